# What a BEAM node of the compose cluster does for the scenarios: EnodeIt.Echo, the
# GenServer enode calls into, and EnodeIt.Peer, the work the test runner asks of each
# node over :erpc (so that what a scenario asserts about a release happens on it).

defmodule EnodeIt.Echo do
  use GenServer
  def init(state), do: {:ok, state}
  def handle_call(req, _from, state), do: {:reply, {:elixir, node(), req}, state}
end

defmodule EnodeIt.Peer do
  @moduledoc false

  def otp_release, do: List.to_string(:erlang.system_info(:otp_release))

  # GenServer.call into the enode demo's echo and kv servers.
  def genserver_calls(enode) do
    key = {node(), make_ref()}
    {
      GenServer.call({:echo, enode}, {:hello, node()}),
      GenServer.call({:kv, enode}, {:put, key, otp_release()}),
      GenServer.call({:kv, enode}, {:get, key}),
      GenServer.call({:kv, enode}, {:delete, key})
    }
  end

  # :erpc.call into enode's C++ functions: a value, and an exception raised in C++.
  def erpc_calls(enode) do
    sum = :erpc.call(enode, :enode_demo, :add, [2 ** 70, 1], 10_000)
    failed =
      try do
        :erpc.call(enode, :enode_demo, :fail, [:on_purpose], 10_000)
      catch
        class, reason -> {class, reason}
      end

    {sum, failed, :erpc.call(enode, :erlang, :node, [], 10_000)}
  end

  # n messages to enode's echo server, each answered in the order it came: the replies
  # must arrive numbered 1..n. Returns {:ok, n} or the first out-of-order reply.
  def echo_sequence(enode, n) do
    me = self()
    for i <- 1..n, do: send({:echo, enode}, {me, {:seq, node(), i}})
    receive_in_order(fn i -> {:seq, node(), i} end, 1, n)
  end

  # enode sends n numbered messages here ({burst, I}, from one C++ process): they must
  # arrive in order.
  def burst_from(enode, n) do
    :ok = :erpc.call(enode, :enode_demo, :burst, [self(), n], 60_000)
    receive_in_order(fn i -> {:burst, i} end, 1, n)
  end

  defp receive_in_order(_expected, i, n) when i > n, do: {:ok, n}

  defp receive_in_order(expected, i, n) do
    want = expected.(i)

    receive do
      ^want -> receive_in_order(expected, i + 1, n)
      other -> {:out_of_order, i, other}
    after
      30_000 -> {:missing, i}
    end
  end

  # A binary of `bytes` to enode's echo server and back.
  def big_echo(enode, bytes) do
    blob = :crypto.strong_rand_bytes(bytes)
    send({:echo, enode}, {self(), {:big, blob}})

    receive do
      {:big, ^blob} -> {:ok, byte_size(blob)}
      {:big, other} -> {:corrupted, byte_size(other)}
    after
      60_000 -> :timeout
    end
  end

  # A process that reports to `report_to` what this node sees when `enode` goes: the
  # 'DOWN' of a monitor on its echo server and of one on a process it spawned there,
  # and nodedown. Returns once the monitors are in place.
  def watch(enode, report_to, tag) do
    parent = self()

    pid =
      spawn(fn ->
        :ok = :net_kernel.monitor_nodes(true)
        worker = :erpc.call(enode, :enode_demo, :spawn_echo, [], 10_000)
        m1 = Process.monitor({:echo, enode})
        m2 = Process.monitor(worker)
        send(parent, {:watching, self()})
        watch_loop(enode, report_to, tag, %{m1 => :echo, m2 => :worker}, [])
      end)

    receive do
      {:watching, ^pid} -> :ok
    after
      15_000 -> :no_watch
    end
  end

  defp watch_loop(enode, report_to, tag, monitors, seen) do
    if map_size(monitors) == 0 and :nodedown in seen do
      send(report_to, {tag, node(), Enum.sort(seen)})
    else
      receive do
        {:DOWN, ref, :process, _, reason} when is_map_key(monitors, ref) ->
          watch_loop(enode, report_to, tag, Map.delete(monitors, ref), [{monitors[ref], reason} | seen])

        {:nodedown, ^enode} ->
          watch_loop(enode, report_to, tag, monitors, [:nodedown | seen])

        _ ->
          watch_loop(enode, report_to, tag, monitors, seen)
      end
    end
  end

  # A process that records every nodedown this node sees until asked, for checking
  # that something did not disturb the cluster.
  def start_nodedown_log do
    spawn(fn ->
      :ok = :net_kernel.monitor_nodes(true)
      nodedown_log([])
    end)
  end

  defp nodedown_log(downs) do
    receive do
      {:nodedown, n} -> nodedown_log([n | downs])
      {:report, to} -> send(to, {:nodedowns, node(), Enum.reverse(downs)})
      _ -> nodedown_log(downs)
    end
  end
end
