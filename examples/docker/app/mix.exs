defmodule App.MixProject do
  use Mix.Project

  # An Elixir release beside the C++ workers (examples/workers): it reaches them by node
  # name, as any other node of the cluster.
  def project do
    [app: :app, version: "0.1.0", elixir: "~> 1.14", deps: [], releases: [app: [include_executables_for: [:unix]]]]
  end

  def application, do: [extra_applications: [:logger], mod: {App.Application, []}]
end
