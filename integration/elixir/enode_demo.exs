# Elixir, joined to the enode demo node, uses what it serves: the `kv` GenServer, the
# enode_demo functions through :rpc and :erpc, Node.monitor and Process.link on C++
# processes. Each step prints what it did and what came back; a result that is not the
# one expected stops the script with exit status 1.
#
# usage: elixir --sname NAME --cookie COOKIE enode_demo.exs CPP_NODE
#   (scripts/run starts `enode run` and this script; integration/t006_workers runs it
#   as a test under each OTP release)

defmodule Demo do
  def step(label, fun, ok?) do
    result =
      try do
        fun.()
      catch
        kind, reason -> {:raised, kind, reason}
      end

    good = ok?.(result)
    IO.puts("#{if good, do: "ok  ", else: "FAIL"} #{label}\n       #{inspect(result, limit: 12)}")

    unless good do
      IO.puts("enode_demo.exs: unexpected result, stopping")
      System.halt(1)
    end

    result
  end

  # (Not inline where the monitor is made: OTP 25's compiler crashes on that receive.)
  def await_down(ref, pid) do
    receive do
      {:DOWN, ^ref, :process, ^pid, reason} -> reason
    after
      5000 -> :nothing_came
    end
  end

  def receive_one(timeout \\ 5000) do
    receive do
      m -> m
    after
      timeout -> :nothing_came
    end
  end
end

[cpp_name] = System.argv()
cpp = String.to_atom(cpp_name)
IO.puts("Elixir #{System.version()} on OTP #{System.otp_release()}, node #{node()}, calling #{cpp}\n")

Demo.step("Node.connect(cpp)", fn -> Node.connect(cpp) end, &(&1 == true))
Demo.step("cpp in Node.list()", fn -> cpp in Node.list() end, &(&1 == true))

# --- the kv GenServer -------------------------------------------------------------------
kv = {:kv, cpp}
Demo.step("GenServer.call(kv, {:put, :lang, \"elixir\"})", fn -> GenServer.call(kv, {:put, :lang, "elixir"}) end, &(&1 == :ok))
Demo.step("GenServer.call(kv, {:put, {:user, 1}, %{name: \"ada\"}})", fn -> GenServer.call(kv, {:put, {:user, 1}, %{name: "ada"}}) end, &(&1 == :ok))
Demo.step("GenServer.call(kv, {:get, :lang})", fn -> GenServer.call(kv, {:get, :lang}) end, &(&1 == {:ok, "elixir"}))
Demo.step("GenServer.call(kv, {:get, {:user, 1}})", fn -> GenServer.call(kv, {:get, {:user, 1}}) end, &(&1 == {:ok, %{name: "ada"}}))
Demo.step("GenServer.call(kv, :keys)", fn -> GenServer.call(kv, :keys) end, &(Enum.sort(&1) == Enum.sort([:lang, {:user, 1}])))
Demo.step("GenServer.call(kv, {:delete, :lang})", fn -> GenServer.call(kv, {:delete, :lang}) end, &(&1 == :ok))
Demo.step("GenServer.call(kv, {:get, :lang})", fn -> GenServer.call(kv, {:get, :lang}) end, &(&1 == :error))

# --- C++ functions through :rpc and :erpc -------------------------------------------------
big = Integer.pow(2, 100)
Demo.step(":rpc.call(cpp, :enode_demo, :add, [2**100, 1])", fn -> :rpc.call(cpp, :enode_demo, :add, [big, 1]) end, &(&1 == big + 1))
Demo.step(":erpc.call(cpp, :enode_demo, :add, [1.5, 2])", fn -> :erpc.call(cpp, :enode_demo, :add, [1.5, 2]) end, &(&1 == 3.5))
term = %{list: [1, 2, 3], tuple: {"bin", 2.5, :atom}, charlist: [?a, ?b, ?c], pid: self()}
Demo.step(":erpc.call(cpp, :enode_demo, :echo, [term])", fn -> :erpc.call(cpp, :enode_demo, :echo, [term]) end, &(&1 === term))
Demo.step(":rpc.call(cpp, :enode_demo, :nope, [])", fn -> :rpc.call(cpp, :enode_demo, :nope, []) end,
  &match?({:badrpc, {:EXIT, {:undef, [{:enode_demo, :nope, [], _} | _]}}}, &1))
Demo.step(":erpc.call(cpp, :enode_demo, :fail, [:boom])", fn -> :erpc.call(cpp, :enode_demo, :fail, [:boom]) end,
  &match?({:raised, :error, {:exception, :boom, _}}, &1))
Demo.step(":erpc.call(cpp, :enode_demo, :add, [:a, 1])", fn -> :erpc.call(cpp, :enode_demo, :add, [:a, 1]) end,
  &match?({:raised, :error, {:exception, :badarith, _}}, &1))
Demo.step(":erpc.call(cpp, :enode_demo, :sleep, [2000], 100)", fn -> :erpc.call(cpp, :enode_demo, :sleep, [2000], 100) end,
  &(&1 == {:raised, :error, {:erpc, :timeout}}))
Demo.step(":erpc.multicall([cpp, cpp], :enode_demo, :echo, [:hi])", fn -> :erpc.multicall([cpp, cpp], :enode_demo, :echo, [:hi]) end,
  &(&1 == [{:ok, :hi}, {:ok, :hi}]))
Demo.step(":rpc.multicall([node(), cpp], :erlang, :node, [])", fn -> :rpc.multicall([node(), cpp], :erlang, :node, []) end,
  &(&1 == {[node(), cpp], []}))
Demo.step(":erpc.cast(cpp, :erlang, :send, [self(), :cast_came_back])", fn ->
  :ok = :erpc.cast(cpp, :erlang, :send, [self(), :cast_came_back])
  Demo.receive_one()
end, &(&1 == :cast_came_back))

# --- C++ processes: messages, links, monitors -------------------------------------------------
echo = Demo.step(":rpc.call(cpp, :enode_demo, :spawn_echo, [])", fn -> :rpc.call(cpp, :enode_demo, :spawn_echo, []) end,
  &(is_pid(&1) and node(&1) == cpp))
Demo.step("send(echo, {self(), :ping}); receive", fn ->
  send(echo, {self(), :ping})
  Demo.receive_one()
end, &(&1 == :ping))

Process.flag(:trap_exit, true)
Demo.step("send(echo, {:link, self()}): it links to us", fn ->
  send(echo, {:link, self()})
  Demo.receive_one()
end, &(&1 == {:linked, echo}))
Demo.step("send(echo, {:exit, :bye}): the link brings its exit", fn ->
  send(echo, {:exit, :bye})
  Demo.receive_one()
end, &(&1 == {:EXIT, echo, :bye}))

echo2 = :rpc.call(cpp, :enode_demo, :spawn_echo, [])
Demo.step("Process.link(echo2); Process.exit(echo2, :kill)", fn ->
  true = Process.link(echo2)
  Process.exit(echo2, :kill)
  Demo.receive_one()
end, &(&1 == {:EXIT, echo2, :killed}))

echo3 = :rpc.call(cpp, :enode_demo, :spawn_echo, [])
watched = spawn(fn -> receive do: (:go -> exit(:watched_done)) end)
Demo.step("echo3 monitors an Elixir process and forwards its :DOWN", fn ->
  send(echo3, {:monitor, watched, self()})
  Process.sleep(100)
  send(watched, :go)
  Demo.receive_one()
end, &match?({:DOWN, _, :process, ^watched, :watched_done}, &1))
Demo.step("Process.monitor(echo3); send(echo3, {:exit, :done})", fn ->
  ref = Process.monitor(echo3)
  send(echo3, {:exit, :done})
  Demo.await_down(ref, echo3)
end, &(&1 == :done))

# --- the node itself ------------------------------------------------------------------------
Demo.step("Node.monitor(cpp, true); Node.disconnect(cpp)", fn ->
  true = Node.monitor(cpp, true)
  true = Node.disconnect(cpp)
  Demo.receive_one()
end, &(&1 == {:nodedown, cpp}))
Demo.step("Node.ping(cpp) connects again", fn -> Node.ping(cpp) end, &(&1 == :pong))
Demo.step("GenServer.call(kv, {:get, {:user, 1}}) after the reconnect", fn -> GenServer.call(kv, {:get, {:user, 1}}) end,
  &(&1 == {:ok, %{name: "ada"}}))

IO.puts("\nenode_demo.exs: every step gave the expected result")
