namespace BitNet.Extensions.AI.Hosting.Wire;

/// <summary>The body of <c>GET /v1/models</c>.</summary>
internal sealed class ModelListWire
{
    public string Object => "list";
    public required ModelWire[] Data { get; init; }
}

/// <summary>One model (also the body of <c>GET /v1/models/{id}</c>).</summary>
internal sealed class ModelWire
{
    public required string Id { get; init; }
    public string Object => "model";
    public required long Created { get; init; }
    public required string OwnedBy { get; init; }
}
