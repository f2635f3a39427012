# The compose cluster's scenarios, asserted from the BEAM side. Run by the `tester`
# service of integration/docker-compose.yml (scripts/compose-test), itself a node of the
# cluster; it asks each Erlang/Elixir peer (one per OTP release) to do the work over
# :erpc, and drives Docker (kill, start, network disconnect) through its API.

Code.require_file("peer_lib.exs", __DIR__)
Code.require_file("docker_api.exs", __DIR__)
ExUnit.start(seed: 0, timeout: 300_000, trace: true)

defmodule EnodeIt.ClusterTest do
  use ExUnit.Case
  alias EnodeIt.{Docker, Peer}

  defp atoms(var), do: System.fetch_env!(var) |> String.split() |> Enum.map(&String.to_atom/1)
  defp enodes, do: atoms("ENODES")
  defp peers, do: atoms("PEERS")
  defp beams, do: [node() | peers()]
  defp service(enode), do: enode |> Atom.to_string() |> String.split("@") |> List.last()

  defp on(node, fun, args), do: :erpc.call(node, Peer, fun, args, 120_000)

  # Polls `check` (true when done) every 250 ms until `ms` have passed.
  defp eventually(what, ms, check) do
    deadline = System.monotonic_time(:millisecond) + ms
    poll(what, deadline, check)
  end

  defp poll(what, deadline, check) do
    ok =
      try do
        check.()
      catch
        _, _ -> false
      end

    cond do
      ok -> :ok
      System.monotonic_time(:millisecond) > deadline -> flunk("timed out waiting for #{what}")
      true -> Process.sleep(250) && poll(what, deadline, check)
    end
  end

  defp visible(node), do: :erpc.call(node, :erlang, :nodes, [], 10_000)

  # Every BEAM node sees every enode as a visible peer, and the enodes see each other.
  defp mesh? do
    Enum.each(beams() ++ enodes(), &Node.connect/1)

    Enum.all?(beams(), fn b -> Enum.all?(enodes(), &(&1 in visible(b))) end) and
      Enum.all?(enodes(), fn e -> Enum.all?(enodes() -- [e], &(&1 in visible(e))) end)
  end

  defp wait_mesh(ms \\ 90_000), do: eventually("the full cluster", ms, &mesh?/0)

  setup_all do
    wait_mesh(120_000)
    :ok
  end

  setup do
    wait_mesh()
    :ok
  end

  test "cluster formation: every BEAM node sees every enode as a visible peer, and the enodes each other" do
    for b <- beams(), e <- enodes() do
      assert e in visible(b), "#{b} does not see #{e}"
      refute e in :erpc.call(b, :erlang, :nodes, [:hidden]), "#{b} sees #{e} as hidden"
    end

    for e <- enodes(), other <- enodes() -- [e], do: assert(other in visible(e))
    for e <- enodes(), p <- peers(), do: assert(p in visible(e))

    releases = for p <- peers(), do: on(p, :otp_release, [])
    IO.puts("\n  BEAM peers: " <> Enum.map_join(Enum.zip(peers(), releases), ", ", fn {p, r} -> "#{p} OTP #{r}" end))
    assert Enum.sort(releases) == Enum.sort(String.split(System.fetch_env!("EXPECT_OTP")))
  end

  test "GenServer.call into each enode from each OTP release" do
    for p <- peers(), e <- enodes() do
      release = on(p, :otp_release, [])
      assert {{:hello, ^p}, :ok, {:ok, ^release}, :ok} = on(p, :genserver_calls, [e])
    end
  end

  test ":erpc.call into each enode from each OTP release" do
    for p <- peers(), e <- enodes() do
      # An error raised in C++ reaches the caller as erpc:call raises any remote error.
      assert {unquote(2 ** 70 + 1), {:error, {:exception, :on_purpose, _}}, ^e} = on(p, :erpc_calls, [e])
    end
  end

  test "enode calls into each OTP release: :erpc.call and GenServer.call from C++" do
    for e <- enodes(), p <- peers() do
      release = on(p, :otp_release, [])
      assert String.to_charlist(release) == :erpc.call(e, :enode_demo, :call, [p, :erlang, :system_info, [:otp_release]])
      assert {:elixir, ^p, {:ping, ^e}} = :erpc.call(e, :enode_demo, :gen_call, [{:elixir_echo, p}, {:ping, e}])
      # An exception raised on the BEAM side: erpc:call in C++ raises
      # {exception, boom, Stack}, and that reaches us as a remote error again.
      raised =
        try do
          :erpc.call(e, :enode_demo, :call, [p, :erlang, :error, [:boom]])
        catch
          class, reason -> {class, reason}
        end

      assert {:error, {:exception, {:exception, :boom, _}, _}} = raised
    end
  end

  test "10 000 messages each way, in order, between each OTP release and each enode" do
    for p <- peers(), e <- enodes() do
      assert {:ok, 10_000} = on(p, :echo_sequence, [e, 10_000]), "#{p} -> #{e} -> #{p}"
      assert {:ok, 10_000} = on(p, :burst_from, [e, 10_000]), "#{e} -> #{p}"
    end
  end

  test "a 16 MiB message to enode and back, from each OTP release" do
    for p <- peers() do
      assert {:ok, 16_777_216} = on(p, :big_echo, [hd(enodes()), 16 * 1024 * 1024])
    end
  end

  test "docker kill of an enode: noconnection and nodedown everywhere, then it heals" do
    [survivor, victim] = enodes()
    watch_all(victim, :killed)
    :ok = Docker.kill(service(victim))
    expect_gone(:killed)
    eventually("#{survivor} to see #{victim} go", 30_000, fn -> victim not in visible(survivor) end)
    assert :pang == Node.ping(victim)

    :ok = Docker.start(service(victim))
    wait_mesh()
    for p <- peers(), do: assert({{:hello, ^p}, :ok, {:ok, _}, :ok} = on(p, :genserver_calls, [victim]))
  end

  test "network partition: an enode cut off is seen down, and back once reconnected" do
    [cut, other] = enodes()
    watch_all(cut, :partitioned)
    :ok = Docker.disconnect(service(cut), "cluster")

    try do
      expect_gone(:partitioned)
      assert :pang == Node.ping(cut)
      eventually("#{other} to see #{cut} go", 30_000, fn -> cut not in visible(other) end)
    after
      :ok = Docker.connect(service(cut), "cluster")
    end

    wait_mesh()
    for p <- peers(), do: assert({_, {:error, {:exception, :on_purpose, _}}, ^cut} = on(p, :erpc_calls, [cut]))
  end

  test "a container with the wrong cookie is refused, and nobody else is disturbed" do
    bad = System.fetch_env!("BAD_NODE") |> String.to_atom()
    logs = for b <- beams(), do: :erpc.call(b, Peer, :start_nodedown_log, [])

    refute Node.connect(bad)
    for n <- beams() ++ enodes(), do: refute(bad in :erpc.call(n, :erlang, :nodes, [[:visible, :hidden]]))

    # It is up and keeps trying its --connect list, which refuses it: asked with its own
    # cookie, it is connected to nothing but this node.
    :erlang.set_cookie(bad, System.fetch_env!("BAD_COOKIE") |> String.to_atom())
    assert Node.connect(bad)
    assert [node()] == :erpc.call(bad, :erlang, :nodes, [[:visible, :hidden]], 10_000)
    Node.disconnect(bad)
    Process.sleep(5_000)

    for log <- logs, do: send(log, {:report, self()})

    for b <- beams() do
      assert_receive {:nodedowns, ^b, downs}, 10_000
      assert downs -- [bad] == [], "#{b} lost #{inspect(downs)}"
    end

    assert mesh?()
  end

  # On every BEAM node, a watcher of `enode` that reports {tag, Node, Seen} here.
  defp watch_all(enode, tag) do
    for b <- beams(), do: assert(:ok == :erpc.call(b, Peer, :watch, [enode, self(), tag], 30_000))
  end

  defp expect_gone(tag) do
    for b <- beams() do
      assert_receive {^tag, ^b, seen}, 60_000
      assert seen == [:nodedown, {:echo, :noconnection}, {:worker, :noconnection}], "#{b} saw #{inspect(seen)}"
    end
  end
end
