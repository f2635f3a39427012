#pragma once
#pragma GCC visibility push(default) // the API, exported from a shared build

#include <enode/core/asio.hpp>
#include <enode/core/logger.hpp>
#include <enode/core/result.hpp>
#include <enode/dist/epmd.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

/// An EPMD served in-process (the "embedded EPMD"): when nothing listens on the EPMD
/// port, the node serves the protocol itself, so that BEAM nodes started later register
/// with it and `epmd -names` works. It follows erts/epmd/src/epmd_srv.c: registrations
/// live as long as their connection stays open and silent, only local peers may
/// register, creations start from the clock and grow on re-registration.
///
/// Hand-over: when the node stops while other nodes are still registered, `release`
/// gives up the listening socket and the registration sockets (their descriptors and
/// what they registered) so that a successor process (`enode epmd --adopt`) keeps
/// serving them without the registered nodes noticing.
namespace enode::dist::epmd {

class server : public std::enable_shared_from_this<server> {
public:
  /// Binds the EPMD port on every address (as epmd does). `address_in_use` when an
  /// EPMD (or anything else) already listens there.
  /// `log` gets what the server reports (what ends a coroutine of its own, at error level).
  static result<std::shared_ptr<server>> listen(net::any_io_executor ex, std::uint16_t port,
                                                log::logger log = log::logger());

  /// A registration handed over by a previous server: its socket descriptor and entry.
  struct adopted {
    int fd = -1;
    node_entry entry;
    std::uint32_t creation = 0;
  };
  /// Serves on an inherited listening descriptor and registrations (`enode epmd --adopt`).
  static result<std::shared_ptr<server>> adopt(net::any_io_executor ex, int listen_fd, std::vector<adopted> const& regs,
                                               log::logger log = log::logger());

  void start();
  /// Called (on the server's strand) when the last registration ends; a successor uses
  /// it to exit once the nodes it took over are gone.
  void on_empty(std::function<void()> f) { on_empty_ = std::move(f); }
  /// Stops listening and drops every registration.
  void stop();
  /// Stops serving and returns the descriptors, which the caller now owns (listening
  /// descriptor first). Registrations of `keep_out` (our own node) are closed instead.
  std::pair<int, std::vector<adopted>> release(std::string const& keep_out);

  std::uint16_t port() const noexcept { return port_; }
  /// Names registered now, with their ports.
  std::vector<node_entry> nodes() const;

private:
  struct registration;
  server(net::any_io_executor ex, log::logger log);
  void spawn(net::awaitable<void> body, char const* what);
  net::awaitable<void> accept_loop();
  net::awaitable<void> serve(net::ip::tcp::socket s);
  net::awaitable<void> hold(std::shared_ptr<registration> r, std::vector<std::byte> pending);
  bool is_local(net::ip::tcp::socket const& s) const;
  std::uint32_t next_creation(std::string const& name);

  net::any_io_executor strand_;
  log::logger log_;
  net::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<registration>> registered_;
  std::map<std::string, std::uint32_t> creations_; // last creation per name, as epmd remembers
  std::function<void()> on_empty_;
};

} // namespace enode::dist::epmd

#pragma GCC visibility pop
