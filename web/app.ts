/**
 * The chat page: sign in or up, a conversation list with unread badges kept
 * live by `inbox`, who is online, one open conversation with scroll-back,
 * typing and read receipts, and a banner while reconnecting. Everything goes
 * through the SDK (client/), which reconnects, catches up and resends.
 */
import { type Channel, ChatClient, ChatError, type Credentials, type Message } from '../client/index.js';

const STORED_CREDENTIALS = 'wschat.credentials';
const PUBLIC = '0';
/** Older messages per scroll-back page. */
const PAGE = 30;
/** How long after the last keystroke "typing" stops. */
const TYPING_IDLE_MS = 4000;
/** How often the users list (online dots) is refreshed. */
const USERS_REFRESH_MS = 10_000;

interface Conversation {
  /** '0' or the other participant's UUID. */
  key: string;
  name: string;
  unread: number;
  /** Last message time, for the order. */
  last: number;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const ui = {
  banner: $('banner'),
  welcome: $('welcome'),
  signInForm: $<HTMLFormElement>('sign-in'),
  signInError: $('sign-in-error'),
  chat: $('chat'),
  me: $('me'),
  signOut: $<HTMLButtonElement>('sign-out'),
  conversations: $<HTMLUListElement>('conversations'),
  users: $<HTMLUListElement>('users'),
  title: $('title'),
  messages: $('messages'),
  typing: $('typing'),
  composer: $<HTMLFormElement>('composer'),
};
const messageInput = ui.composer.elements.namedItem('message') as HTMLInputElement;

const client = new ChatClient({ urls: [`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`] });
let me: Credentials | undefined;
const names = new Map<string, string>();
const conversations = new Map<string, Conversation>();
const channels = new Map<string, Channel>();
let open: Channel | undefined;
/** The oldest seq shown in the open conversation (scroll-back pages before it); 0 when none. */
let oldestShown = 0;
let loadingOlder = false;
/** The other participant's read marker in the open private conversation. */
let peerSeen = 0;
const typists = new Set<string>();
let typingSince: ReturnType<typeof setTimeout> | undefined;
let usersTimer: ReturnType<typeof setInterval> | undefined;
let refreshingUsers = false;
let connectedOnce = false;

client.on('state', (state) => {
  if (state === 'connected') connectedOnce = true;
  ui.banner.hidden = state === 'connected' || !connectedOnce;
  if (state === 'connected' && me !== undefined) void refreshConversations();
});
client.on('unauthorized', () => signedOut('Your session ended; sign in again.'));
client.on('inbox', ({ message, unread }) => {
  const key = message.senderUUID;
  const conversation = conversations.get(key);
  if (conversation === undefined) {
    void refreshConversations();
    return;
  }
  conversation.last = Date.parse(message.createdAt);
  conversation.unread = open?.recipientUUID === key ? 0 : unread;
  renderConversations();
});

ui.signInForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const submitter = (event as SubmitEvent).submitter as HTMLButtonElement | null;
  const form = new FormData(ui.signInForm);
  const username = String(form.get('username')).trim();
  const password = String(form.get('password'));
  ui.signInError.textContent = '';
  const signing = submitter?.value === 'signUp' ? client.signUp(username, password) : client.signIn(username, password);
  signing.then(
    (credentials) => start(credentials),
    (error) => {
      ui.signInError.textContent = describe(error);
    },
  );
});

ui.signOut.addEventListener('click', () => {
  client.signOut().finally(() => signedOut(''));
});

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = messageInput.value;
  if (open === undefined || text.trim() === '') return;
  messageInput.value = '';
  stopTyping();
  open.send(text).catch((error) => alert(describe(error)));
});

messageInput.addEventListener('input', () => {
  if (open === undefined) return;
  if (typingSince === undefined) open.typing(true).catch(() => {});
  clearTimeout(typingSince);
  typingSince = setTimeout(stopTyping, TYPING_IDLE_MS);
});

ui.messages.addEventListener('scroll', () => {
  if (ui.messages.scrollTop < 40) void loadOlder();
});

async function start(credentials: Credentials): Promise<void> {
  me = credentials;
  localStorage.setItem(STORED_CREDENTIALS, JSON.stringify(credentials));
  ui.welcome.hidden = true;
  ui.chat.hidden = false;
  await refreshUsers();
  ui.me.textContent = names.get(credentials.userUUID) ?? '';
  usersTimer = setInterval(() => void refreshUsers(), USERS_REFRESH_MS);
  await refreshConversations();
  await openConversation(PUBLIC);
}

function signedOut(notice: string): void {
  me = undefined;
  localStorage.removeItem(STORED_CREDENTIALS);
  clearInterval(usersTimer);
  channels.clear();
  conversations.clear();
  open = undefined;
  ui.messages.replaceChildren();
  ui.chat.hidden = true;
  ui.welcome.hidden = false;
  ui.signInError.textContent = notice;
}

/** A user's name; an unknown one (signed up since the list was read) reads the list again. */
function nameOf(uuid: string): string {
  const name = names.get(uuid);
  if (name !== undefined) return name;
  if (!refreshingUsers) {
    refreshingUsers = true;
    void refreshUsers().finally(() => {
      refreshingUsers = false;
    });
  }
  return 'Someone';
}

async function refreshUsers(): Promise<void> {
  const page = await client.users({ limit: 1000 });
  for (const user of page.users) names.set(user.UUID, user.Username);
  for (const from of ui.messages.querySelectorAll<HTMLElement>('.from')) {
    const name = names.get(from.dataset.sender ?? '');
    if (name !== undefined && from.dataset.sender !== me?.userUUID) from.textContent = name;
  }
  if (open !== undefined && open.recipientUUID !== PUBLIC) ui.title.textContent = nameOf(open.recipientUUID);
  ui.users.replaceChildren(
    ...page.users.map((user) => {
      const item = document.createElement('li');
      const dot = document.createElement('span');
      dot.className = user.OnLine ? 'dot online' : 'dot';
      dot.title = user.OnLine ? 'online' : 'offline';
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = user.Username;
      button.addEventListener('click', () => void openConversation(user.UUID));
      item.append(dot, button);
      return item;
    }),
  );
}

async function refreshConversations(): Promise<void> {
  const page = await client.channels({ limit: 100 });
  for (const entry of page.channels) {
    const key = entry.recipientUUID === 0 ? PUBLIC : entry.recipientUUID;
    const name = key === PUBLIC ? 'Public' : (entry.username ?? key);
    const last = entry.lastMessage === null ? 0 : Date.parse(entry.lastMessage.createdAt);
    conversations.set(key, { key, name, unread: open?.recipientUUID === key ? 0 : entry.unread, last });
  }
  renderConversations();
}

function renderConversations(): void {
  const ordered = [...conversations.values()].sort((a, b) =>
    a.key === PUBLIC ? -1 : b.key === PUBLIC ? 1 : b.last - a.last || a.key.localeCompare(b.key),
  );
  ui.conversations.replaceChildren(
    ...ordered.map((conversation) => {
      const item = document.createElement('li');
      item.setAttribute('aria-label', conversation.name);
      const button = document.createElement('button');
      button.type = 'button';
      button.setAttribute('aria-current', String(open?.recipientUUID === conversation.key));
      const name = document.createElement('span');
      name.textContent = conversation.name;
      button.append(name);
      if (conversation.unread > 0) {
        const badge = document.createElement('span');
        badge.className = 'badge';
        badge.textContent = `${conversation.unread} unread`;
        button.append(badge);
      }
      button.addEventListener('click', () => void openConversation(conversation.key));
      item.append(button);
      return item;
    }),
  );
}

async function openConversation(key: string): Promise<void> {
  stopTyping();
  const channel = channels.get(key) ?? (await joinChannel(key));
  open = channel;
  typists.clear();
  renderTyping();
  peerSeen = 0;
  const name = key === PUBLIC ? 'Public' : (conversations.get(key)?.name ?? nameOf(key));
  ui.title.textContent = name;
  const conversation = conversations.get(key) ?? { key, name, unread: 0, last: Date.now() };
  conversation.unread = 0;
  conversations.set(key, conversation);
  renderConversations();
  ui.messages.replaceChildren();
  oldestShown = 0;
  const page = await channel.history({ limit: PAGE });
  showOlder(page.messages);
  ui.messages.scrollTop = ui.messages.scrollHeight;
  markSeen(channel);
  messageInput.focus();
}

async function joinChannel(key: string): Promise<Channel> {
  const channel = await client.join(key === PUBLIC ? 0 : key);
  channels.set(key, channel);
  channel.on('message', (message) => {
    const conversation = conversations.get(key);
    if (conversation !== undefined) conversation.last = Date.parse(message.createdAt);
    if (open === channel) {
      const atBottom = ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 60;
      show(message);
      if (atBottom || message.senderUUID === me?.userUUID) ui.messages.scrollTop = ui.messages.scrollHeight;
      markSeen(channel);
    } else if (key === PUBLIC && conversation !== undefined && message.senderUUID !== me?.userUUID) {
      // Private channels count through inbox; the public channel has none.
      conversation.unread++;
    }
    renderConversations();
  });
  channel.on('typing', ({ userUUID, typing }) => {
    if (open !== channel) return;
    if (typing) typists.add(userUUID);
    else typists.delete(userUUID);
    renderTyping();
  });
  channel.on('seen', ({ seq }) => {
    if (open !== channel) return;
    peerSeen = Math.max(peerSeen, seq);
    renderReceipts();
  });
  return channel;
}

/** Shows a message in seq order, once: a page and a push may both bring it. */
function show(message: Message): void {
  const items = ui.messages.children as HTMLCollectionOf<HTMLElement>;
  let at = items.length;
  while (at > 0 && Number(items[at - 1]!.dataset.seq) >= message.seq) at--;
  if (items[at] !== undefined && Number(items[at]!.dataset.seq) === message.seq) return;
  ui.messages.insertBefore(renderMessage(message), items[at] ?? null);
  if (oldestShown === 0 || message.seq < oldestShown) oldestShown = message.seq;
}

/** Shows an older page (newest first, as the server lists it), keeping what is on screen where it was. */
function showOlder(newestFirst: Message[]): void {
  const fromBottom = ui.messages.scrollHeight - ui.messages.scrollTop;
  for (const message of newestFirst) show(message);
  ui.messages.scrollTop = ui.messages.scrollHeight - fromBottom;
}

async function loadOlder(): Promise<void> {
  const channel = open;
  if (channel === undefined || loadingOlder || oldestShown <= 1) return;
  loadingOlder = true;
  try {
    const page = await channel.history({ before: oldestShown, limit: PAGE });
    if (open === channel) showOlder(page.messages);
  } finally {
    loadingOlder = false;
  }
}

function renderMessage(message: Message): HTMLElement {
  const mine = message.senderUUID === me?.userUUID;
  const item = document.createElement('article');
  item.className = mine ? 'message mine' : 'message';
  item.dataset.seq = String(message.seq);
  const from = document.createElement('span');
  from.className = 'from';
  from.dataset.sender = message.senderUUID;
  from.textContent = mine ? 'You' : nameOf(message.senderUUID);
  const text = document.createElement('span');
  text.className = 'text';
  text.textContent = message.message;
  const time = document.createElement('time');
  time.dateTime = message.createdAt;
  time.textContent = new Date(message.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  item.append(from, text, time);
  return item;
}

/** In a private conversation, "Seen" under the newest of one's own messages the other has read. */
function renderReceipts(): void {
  for (const old of ui.messages.querySelectorAll('.receipt')) old.remove();
  const read = [...ui.messages.querySelectorAll<HTMLElement>('.message.mine')].filter(
    (item) => Number(item.dataset.seq) <= peerSeen,
  );
  const receipt = document.createElement('span');
  receipt.className = 'receipt';
  receipt.textContent = 'Seen';
  read.at(-1)?.append(receipt);
}

function renderTyping(): void {
  const who = [...typists].map(nameOf);
  ui.typing.textContent = who.length === 0 ? '' : `${who.join(', ')} ${who.length === 1 ? 'is' : 'are'} typing…`;
}

function stopTyping(): void {
  if (typingSince === undefined) return;
  clearTimeout(typingSince);
  typingSince = undefined;
  open?.typing(false).catch(() => {});
}

function markSeen(channel: Channel): void {
  if (channel.lastSeq > 0 && document.visibilityState === 'visible') channel.markSeen(channel.lastSeq).catch(() => {});
}

function describe(error: unknown): string {
  if (error instanceof ChatError) {
    if (error.code === 6) return 'Wrong username or password.';
    if (error.code === 7) return 'That username is taken.';
    return error.message;
  }
  return String(error);
}

const stored = localStorage.getItem(STORED_CREDENTIALS);
if (stored !== null) {
  const credentials = JSON.parse(stored) as Credentials;
  client.resume(credentials).then(
    () => start(credentials),
    () => signedOut(''),
  );
}
