#include <enode/runtime/system.hpp>

#include "process_impl.hpp"
#include "system_impl.hpp"

#include <enode/runtime/error.hpp>
#include <enode/term/atoms.hpp>

namespace enode::runtime {

system::system(net::io_context& ioc, system_options opts, log::logger logger)
    : impl_(std::make_shared<system_impl>(ioc, opts, std::move(logger), *this)) {}

system::~system() {
  impl_->shutdown(std::chrono::seconds(5));
  impl_->join();
}

system_impl& impl_of(system& s) noexcept { return *s.impl_; }

term::atom system::node() const noexcept { return impl_->node; }
log::logger const& system::logger() const noexcept { return impl_->logger; }
std::uint32_t system::creation() const noexcept { return impl_->creation; }
net::io_context& system::context() const noexcept { return impl_->ioc; }

result<term::pid> system::spawn_root(std::unique_ptr<detail::body_base> body, remote_spawn const* how) {
  return impl_->spawn(std::move(body), nullptr, spawn_options{}, how);
}

result<void> system::send(term::value const& dest, term::value msg) {
  return impl_->send(term::value{}, dest, std::move(msg));
}

result<void> system::send_as(term::pid const& from, term::value const& dest, term::value msg) {
  return impl_->send(term::value(from), dest, std::move(msg));
}

void system::exit(term::pid const& from, term::pid const& target, term::value reason) {
  impl_->deliver(target, new control(signals::exit2{term::value(from), term::value(target), std::move(reason)}));
}

std::optional<term::pid> system::whereis(term::atom name) const { return impl_->whereis(name); }
result<void> system::register_name(term::atom name, term::pid const& pid) { return impl_->register_name(name, pid); }
result<void> system::unregister_name(term::atom name) { return impl_->unregister_name(name); }
std::vector<term::atom> system::registered() const { return impl_->registered(); }

bool system::is_process_alive(term::pid const& pid) const { return static_cast<bool>(impl_->lookup(pid)); }
bool system::is_local(term::pid const& pid) const noexcept { return impl_->is_local(pid); }

term::value system::make_ref() { return impl_->make_ref(); }

term::value system::send_after(timeout t, term::value const& dest, term::value msg) {
  return impl_->start_timer(t, dest, std::move(msg), false);
}
term::value system::start_timer(timeout t, term::value const& dest, term::value msg) {
  return impl_->start_timer(t, dest, std::move(msg), true);
}
std::optional<std::chrono::milliseconds> system::cancel_timer(term::value const& tref) {
  return impl_->cancel_timer(tref);
}
std::optional<std::chrono::milliseconds> system::read_timer(term::value const& tref) const {
  return impl_->read_timer(tref);
}

std::vector<process_info> system::processes() const {
  std::vector<process_info> out;
  for (auto const& p : impl_->all()) out.push_back(p->info());
  return out;
}

std::optional<process_info> system::info(term::pid const& pid) const {
  if (auto p = impl_->lookup(pid)) return p->info();
  return std::nullopt;
}

system_stats system::stats() const { return impl_->stats(); }

void system::shutdown(timeout grace) { impl_->shutdown(grace); }
void system::join() { impl_->join(); }
bool system::stopped() const noexcept { return impl_->stopped(); }

std::string_view to_string(process_status s) noexcept {
  switch (s) {
    case process_status::runnable: return "runnable";
    case process_status::waiting: return "waiting";
    case process_status::exiting: return "exiting";
  }
  return "unknown";
}

void system::set_router(remote_router* r) noexcept { impl_->set_router(r); }
void system::inject(signals::signal&& s) { impl_->inject(std::move(s)); }
void system::answer_unreachable(signals::signal const& s) { impl_->answer_gone(s, term::atoms::noconnection, true); }

} // namespace enode::runtime
