# A BEAM node of the compose cluster (one per OTP release): serves `:elixir_echo` and
# waits for the test runner's :erpc calls into EnodeIt.Peer.
Code.require_file("peer_lib.exs", __DIR__)
{:ok, _} = GenServer.start(EnodeIt.Echo, nil, name: :elixir_echo)
IO.puts("#{node()} (OTP #{EnodeIt.Peer.otp_release()}, Elixir #{System.version()}) ready")
Process.sleep(:infinity)
