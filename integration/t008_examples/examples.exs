# The Elixir side of examples.sh: checks what the `workers` example serves, then hosts a
# GenServer, Greeter, for the `client` example, and stays up until stopped (init:stop).
# usage: elixir --sname NAME --cookie C examples.exs WORKERS_NODE
import Bitwise

[workers] = System.argv()
w = String.to_atom(workers)

check = fn what, ok -> IO.puts(if ok, do: "ok: #{what}", else: "FAIL: #{what}") end
try_call = fn f ->
  try do
    {:ok, f.()}
  catch
    kind, reason -> {kind, reason}
  end
end

r = :erpc.call(w, :mathx, :mul, [6, 7])
check.("mathx:mul(6, 7) is the integer 42 (#{inspect(r)})", r === 42)
r = :erpc.call(w, :mathx, :mul, [6.0, 7])
check.("mathx:mul(6.0, 7) is the float 42.0 (#{inspect(r)})", r === 42.0)
r = :erpc.call(w, :mathx, :mul, [1 <<< 62, 8])
check.("mathx:mul(1 bsl 62, 8) is a bignum (#{inspect(r)})", r === 1 <<< 65)
r = :rpc.call(w, :mathx, :mul, [:six, 7])
check.("mathx:mul(six, 7) is badarg (#{inspect(r)})", match?({:badrpc, {:EXIT, {:badarg, _}}}, r))
r = :erpc.call(w, :mathx, :stats, [[1, 2, 3.5, 10]])
check.("mathx:stats([1, 2, 3.5, 10]) is a map of mean and max (#{inspect(r)})", r === %{mean: 4.125, max: 10})
r = try_call.(fn -> :erpc.call(w, :mathx, :stats, [[]]) end)
check.("mathx:stats([]) raises badarg (#{inspect(r)})", match?({:error, {:exception, :badarg, _}}, r))

r = GenServer.call({:counter, w}, {:add, 5})
check.("GenServer.call counter {add, 5} (#{inspect(r)})", r === 5)
r = GenServer.call({:counter, w}, {:add, 2})
check.("GenServer.call counter {add, 2} (#{inspect(r)})", r === 7)
GenServer.cast({:counter, w}, :reset)
r = GenServer.call({:counter, w}, :get)
check.("GenServer.cast counter reset, then get (#{inspect(r)})", r === 0)

defmodule Greeter do
  use GenServer
  def init(n), do: {:ok, n}
  def handle_call({:greet, name}, _from, n), do: {:reply, "Hello, " <> name, n + 1}
  def handle_call(:count, _from, n), do: {:reply, n, n}
end

{:ok, _} = GenServer.start(Greeter, 0, name: Greeter)
IO.puts("greeter ready")
Process.sleep(:infinity)
