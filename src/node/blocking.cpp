#include <enode/node/blocking.hpp>

#include <enode/behaviours/gen_server.hpp>
#include <enode/node/rpc.hpp>
#include <enode/term/atoms.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>

namespace enode::node {

/// The messages the process received, for the thread to take.
struct blocking::mailbox {
  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<term::value> messages;
};

namespace {
runtime::system& system_of(node& n) { return n.system(); }
} // namespace

blocking::blocking(node& n) : blocking(system_of(n)) {}

blocking::blocking(runtime::system& sys) : sys_(sys), box_(std::make_shared<mailbox>()) {
  auto p = sys_.spawn([box = box_](runtime::process& self) -> runtime::awaitable<> {
    for (;;) {
      term::value m = co_await self.receive();
      {
        std::lock_guard g(box->mutex);
        box->messages.push_back(std::move(m));
      }
      box->arrived.notify_all();
    }
  });
  if (!p) throw boost::system::system_error(p.error());
  pid_ = *p;
}

blocking::~blocking() {
  // exit(self(), normal) ends a process with reason normal, as it does on BEAM.
  sys_.exit(pid_, pid_, term::atoms::normal);
}

void blocking::check_thread() const {
  if (sys_.context().get_executor().running_in_this_thread())
    throw boost::system::system_error(make_error_code(runtime::error::would_deadlock),
                                      "a blocking call from one of the node's own threads");
}

void blocking::spawn_task(std::function<runtime::awaitable<>(runtime::process&)> body) {
  auto p = sys_.spawn(std::move(body));
  if (!p) throw boost::system::system_error(p.error());
}

void blocking::send(term::value const& dest, term::value msg) {
  auto r = sys_.send_as(pid_, dest, std::move(msg));
  if (!r) throw runtime::error_exception(term::atoms::badarg);
}

std::optional<term::value> blocking::receive(std::chrono::milliseconds t) {
  return receive([](term::value const&) { return true; }, t);
}

std::optional<term::value> blocking::receive(std::function<bool(term::value const&)> const& match,
                                             std::chrono::milliseconds t) {
  check_thread();
  auto const deadline = std::chrono::steady_clock::now() + t;
  std::unique_lock g(box_->mutex);
  std::size_t looked = 0; // messages already looked at are not looked at again
  for (;;) {
    for (; looked < box_->messages.size(); ++looked) {
      if (match(box_->messages[looked])) {
        term::value m = std::move(box_->messages[looked]);
        box_->messages.erase(box_->messages.begin() + static_cast<std::ptrdiff_t>(looked));
        return m;
      }
    }
    if (box_->arrived.wait_until(g, deadline) == std::cv_status::timeout && looked == box_->messages.size())
      return std::nullopt;
  }
}

term::value blocking::call(term::value const& server, term::value request, std::chrono::milliseconds t) {
  return run([&server, &request, t](runtime::process& p) -> runtime::awaitable<term::value> {
    co_return co_await behaviours::gen_server::call(p, server, std::move(request), t);
  });
}

void blocking::cast(term::value const& server, term::value msg) {
  // gen_server:cast never fails: {'$gen_cast', Msg} from this process, dropped when
  // the name is not registered.
  (void)sys_.send_as(pid_, server, term::tuple_of({term::atom("$gen_cast"), std::move(msg)}));
}

term::value blocking::rpc(term::atom node, term::atom module, term::atom function, term::value args,
                          std::chrono::milliseconds t) {
  return run([&](runtime::process& p) -> runtime::awaitable<term::value> {
    co_return co_await rpc::call(p, node, module, function, std::move(args), t);
  });
}

} // namespace enode::node
