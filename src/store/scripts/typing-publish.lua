--[[
  Publishes a typing signal on a channel's topic. A script rather than a bare
  PUBLISH so that it runs where the channel lives: PUBLISH names no key, so
  a cluster client sends it to whichever master comes to hand, and two
  signals sent one after the other from two masters can reach a node over
  the cluster bus in the other order (typing on, off arriving as off, on).
  Keyed on the topic, whose hash tag is the channel's, every signal of a
  channel leaves from the master that publishes its feed entries, in order.
  A PUBLISH is not written to the AOF, from a script neither: nothing is stored.

  KEYS[1] {c:<id>}:push   pub/sub topic of the channel (routes the script to the channel's slot)

  ARGV[1] the signal, 'e|typing|<typist uuid>|<frame>'

  Returns the number of subscriber connections that got it (on this master)
]]
local topic = KEYS[1]
local signal = ARGV[1]

return redis.call('PUBLISH', topic, signal)
