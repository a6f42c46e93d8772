/** Every request type's handler: the router's one table. */
import type { RequestType } from '../protocol/requests.js';
import { handleChannelJoin } from './channel-join.js';
import { handleChannelLeave } from './channel-leave.js';
import { handleChannelMessage } from './channel-message.js';
import { handleChannelMessages } from './channel-messages.js';
import { handleChannelSeen } from './channel-seen.js';
import { handleChannels } from './channels.js';
import type { Handler } from './context.js';
import { handleSignIn } from './sign-in.js';
import { handleSignOut } from './sign-out.js';
import { handleSignUp } from './sign-up.js';
import { handleTyping } from './typing.js';
import { handleUsers } from './users.js';
import { handleWatch } from './watch.js';

export const handlers: { [T in RequestType]: Handler<T> } = {
  signIn: handleSignIn,
  signUp: handleSignUp,
  signOut: handleSignOut,
  users: handleUsers,
  channelJoin: handleChannelJoin,
  channelMessage: handleChannelMessage,
  channelMessages: handleChannelMessages,
  channelLeave: handleChannelLeave,
  channels: handleChannels,
  channelSeen: handleChannelSeen,
  typing: handleTyping,
  watch: handleWatch,
};
