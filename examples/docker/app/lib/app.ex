defmodule App do
  @moduledoc """
  Calls into the C++ workers node named by WORKERS_NODE (for example `workers@workers`,
  the container's host name): `bin/app rpc 'IO.inspect(App.check())'`.
  """

  def workers, do: String.to_atom(System.fetch_env!("WORKERS_NODE"))

  def check do
    w = workers()
    %{
      mul: :erpc.call(w, :mathx, :mul, [6, 7]),
      stats: :erpc.call(w, :mathx, :stats, [[1, 2, 3.5, 10]]),
      counter: GenServer.call({:counter, w}, {:add, 5})
    }
  end
end
