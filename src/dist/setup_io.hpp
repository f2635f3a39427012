#pragma once

// The handshake exchanges over any Asio stream: `setup.cpp` runs them on a TCP socket,
// the tests on Beast's test stream (every split of the input, a failure at every step).
// Private to dist; the messages themselves are parsed by handshake.hpp, free of I/O.

#include "deadline.hpp"

#include <enode/core/asio.hpp>
#include <enode/core/endian.hpp>
#include <enode/core/result.hpp>
#include <enode/dist/error.hpp>
#include <enode/dist/handshake.hpp>
#include <enode/dist/setup.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

// Messages are built into locals before they are sent: GCC 12 destroys some
// temporaries of a co_await expression twice (see the README paragraph on GCC 12).

namespace enode::dist::setup_io {

template <class AsyncStream>
net::awaitable<error_code> send(AsyncStream& s, std::vector<std::byte> const& msg) {
  auto [ec, n] = co_await net::async_write(s, net::buffer(msg), net::as_tuple(net::use_awaitable));
  (void)n;
  co_return ec;
}

/// One u16-framed message; an empty one is `bad_message`.
template <class AsyncStream>
net::awaitable<result<std::vector<std::byte>>> receive(AsyncStream& s) {
  std::array<std::byte, 2> len{};
  auto [ec, n] = co_await net::async_read(s, net::buffer(len), net::as_tuple(net::use_awaitable));
  (void)n;
  if (ec) co_return unexpected(ec);
  std::vector<std::byte> body(endian::load_u16(len.data()));
  if (body.empty()) co_return error::bad_message;
  auto [ec2, n2] = co_await net::async_read(s, net::buffer(body), net::as_tuple(net::use_awaitable));
  (void)n2;
  if (ec2) co_return unexpected(ec2);
  co_return body;
}

inline bool same_digest(handshake::digest_type const& a, handshake::digest_type const& b) {
  unsigned char d = 0; // constant time
  for (std::size_t i = 0; i < a.size(); ++i) d |= std::to_integer<unsigned char>(a[i] ^ b[i]);
  return d == 0;
}

/// `async_handshake_connect` over `s`, with `mine` as our challenge (random in production).
template <class AsyncStream>
net::awaitable<result<peer_identity>> async_connect(AsyncStream& s, local_identity const& self,
                                                    std::string_view peer_name, std::chrono::milliseconds timeout,
                                                    std::function<bool()> const& wanted, std::uint32_t mine) {
  namespace hs = handshake;
  socket_deadline dog(s, timeout);
  auto const out1 = hs::encode(hs::send_name{self.flags, self.creation, self.name});
  if (auto ec = co_await send(s, out1)) co_return unexpected(dog.map(ec));

  auto st = co_await receive(s);
  if (!st) co_return unexpected(dog.map(st.error()));
  auto status = hs::parse_status(*st);
  if (!status) co_return unexpected(status.error());
  if (*status == "nok") co_return error::simultaneous_lost;
  if (*status == "not_allowed") co_return error::not_allowed;
  bool const still_wanted = !wanted || wanted();
  if (*status == "alive") {
    // The peer thinks a node of our name is still connected: unless we are (a
    // connection that came up while this attempt ran), it is a former life of ours, and
    // the peer may drop it.
    auto const out2 = hs::encode_status(still_wanted ? "true" : "false");
    if (auto ec = co_await send(s, out2)) co_return unexpected(dog.map(ec));
  } else if (*status != "ok" && *status != "ok_simultaneous") {
    co_return error::bad_message;
  }
  if (!still_wanted) co_return error::already_connected;

  auto ch = co_await receive(s);
  if (!ch) co_return unexpected(dog.map(ch.error()));
  auto challenge = hs::parse_challenge(*ch);
  if (!challenge) co_return unexpected(challenge.error());
  if (challenge->name != peer_name) co_return error::name_mismatch;
  peer_identity peer{challenge->name, flags::expand(challenge->flags), challenge->creation};
  if (flags::missing(peer.flags)) co_return error::missing_flags;

  auto const theirs = hs::digest(challenge->challenge, self.cookie);
  if (!theirs) co_return unexpected(theirs.error());
  auto const out3 = hs::encode(hs::challenge_reply{mine, *theirs});
  if (auto ec = co_await send(s, out3)) co_return unexpected(dog.map(ec));

  auto ack = co_await receive(s);
  if (!ack) {
    // A BEAM node that does not accept our digest (another cookie) just hangs up.
    auto ec = dog.map(ack.error());
    if (ec == net::error::eof || ec == net::error::connection_reset) co_return error::challenge_refused;
    co_return unexpected(ec);
  }
  auto a = hs::parse_challenge_ack(*ack);
  if (!a) co_return unexpected(a.error());
  auto const ours = hs::digest(mine, self.cookie);
  if (!ours) co_return unexpected(ours.error());
  if (!same_digest(a->digest, *ours)) co_return error::bad_digest;
  co_return peer;
}

/// `async_handshake_accept` over `s`, with `mine` as our challenge (random in production).
template <class AsyncStream>
net::awaitable<result<peer_identity>> async_accept(AsyncStream& s, local_identity const& self,
                                                   accept_status const& decide, std::chrono::milliseconds timeout,
                                                   std::uint32_t mine) {
  namespace hs = handshake;
  socket_deadline dog(s, timeout);
  auto first = co_await receive(s);
  if (!first) co_return unexpected(dog.map(first.error()));
  auto name = hs::parse_send_name(*first);
  if (!name) {
    // The legacy 'n' or garbage: OTP 25+ peers always send 'N'.
    co_return unexpected(name.error());
  }
  peer_identity peer{name->name, flags::expand(name->flags), name->creation};
  if (!hs::parse_node_name(peer.name) || flags::missing(peer.flags) || (peer.flags & flags::name_me)) {
    auto const refusal = hs::encode_status(to_string(status::not_allowed));
    (void)co_await send(s, refusal);
    co_return flags::missing(peer.flags) ? error::missing_flags : error::bad_node_name;
  }
  auto const answer_status = decide(peer);
  auto const out4 = hs::encode_status(to_string(answer_status));
  if (auto ec = co_await send(s, out4)) co_return unexpected(dog.map(ec));
  if (answer_status == status::nok) co_return error::simultaneous_lost;
  if (answer_status == status::not_allowed) co_return error::not_allowed;
  if (answer_status == status::alive) {
    auto answer = co_await receive(s);
    if (!answer) co_return unexpected(dog.map(answer.error()));
    auto text = hs::parse_status(*answer);
    if (!text) co_return unexpected(text.error());
    if (*text != "true") co_return error::already_connected;
  }

  auto const out5 = hs::encode(hs::challenge{self.flags, mine, self.creation, self.name});
  if (auto ec = co_await send(s, out5)) co_return unexpected(dog.map(ec));

  auto rep = co_await receive(s);
  if (!rep) co_return unexpected(dog.map(rep.error()));
  auto reply = hs::parse_challenge_reply(*rep);
  if (!reply) co_return unexpected(reply.error());
  auto const ours = hs::digest(mine, self.cookie);
  auto const theirs = hs::digest(reply->challenge, self.cookie);
  if (!ours || !theirs) co_return error::crypto_failure;
  if (!same_digest(reply->digest, *ours)) co_return error::bad_digest;
  auto const out6 = hs::encode(hs::challenge_ack{*theirs});
  if (auto ec = co_await send(s, out6)) co_return unexpected(dog.map(ec));
  co_return peer;
}

} // namespace enode::dist::setup_io
