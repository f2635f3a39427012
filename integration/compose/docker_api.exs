# The few Docker Engine API calls the scenarios make (kill, start, network disconnect
# and connect), over the engine's Unix socket, mounted into the test runner's container.
# Containers and networks are found by the labels compose puts on them, so this works
# with docker-compose 1.x and `docker compose` alike.

defmodule EnodeIt.Docker do
  @socket "/var/run/docker.sock"

  def project, do: System.fetch_env!("COMPOSE_PROJECT")

  def container(service), do: labelled("/containers/json?all=1&filters=", "service", service)
  def network(name), do: labelled("/networks?filters=", "network", name)

  # The id of what compose labelled com.docker.compose.KEY=VALUE in our project.
  defp labelled(path, key, value) do
    filters = ~s({"label":["com.docker.compose.project=#{project()}","com.docker.compose.#{key}=#{value}"]})
    {200, body} = request("GET", path <> URI.encode_www_form(filters))

    case Regex.run(~r/"Id":"([0-9a-f]{64})"/, body) do
      [_, id] -> id
      nil -> raise "no #{key} #{value} in compose project #{project()}"
    end
  end

  def kill(service), do: expect(request("POST", "/containers/#{container(service)}/kill?signal=KILL"), [204])
  def start(service), do: expect(request("POST", "/containers/#{container(service)}/start"), [204, 304])

  def disconnect(service, net) do
    body = ~s({"Container":"#{container(service)}","Force":true})
    expect(request("POST", "/networks/#{network(net)}/disconnect", body), [200])
  end

  # Back on the network under the service's name, as compose attached it.
  def connect(service, net) do
    body = ~s({"Container":"#{container(service)}","EndpointConfig":{"Aliases":["#{service}"]}})
    expect(request("POST", "/networks/#{network(net)}/connect", body), [200])
  end

  defp expect({status, body}, ok) do
    if status in ok, do: :ok, else: raise("Docker API answered #{status}: #{body}")
  end

  # HTTP/1.0: the engine answers and closes, without chunking.
  defp request(method, path, body \\ "") do
    {:ok, s} = :gen_tcp.connect({:local, @socket}, 0, [:local, :binary, active: false], 10_000)

    req =
      "#{method} #{path} HTTP/1.0\r\nHost: docker\r\nContent-Type: application/json\r\n" <>
        "Content-Length: #{byte_size(body)}\r\n\r\n" <> body

    :ok = :gen_tcp.send(s, req)
    resp = read_all(s, [])
    :gen_tcp.close(s)
    [head, payload] = String.split(resp, "\r\n\r\n", parts: 2)
    [_, status | _] = String.split(head, " ", parts: 3)
    {String.to_integer(status), payload}
  end

  defp read_all(s, acc) do
    case :gen_tcp.recv(s, 0, 30_000) do
      {:ok, data} -> read_all(s, [acc | data])
      {:error, :closed} -> IO.iodata_to_binary(acc)
    end
  end
end
