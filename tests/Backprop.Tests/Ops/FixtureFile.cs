using System.Text.Json;

namespace Backprop.Tests.Ops;

/// <summary>
/// The committed PyTorch fixtures of the operators (<c>tests/Backprop.Tests/Ops/Fixtures/*.json</c>, written by
/// <c>tools/fixtures/*.py</c>): reading one, and the pieces of the layout they share
/// — numbers (non-finite ones as strings), tensors, and the case of the edge-case fixture.
/// </summary>
internal static class FixtureFile
{
    /// <summary>The parsed fixture <paramref name="fileName"/> of the operator fixtures' folder.</summary>
    public static JsonDocument Open(string fileName) =>
        JsonDocument.Parse(File.ReadAllBytes(RepositoryFiles.Path($"tests/Backprop.Tests/Ops/Fixtures/{fileName}")));

    /// <summary>A number; JSON has no NaN or infinity, so the fixtures write them as "NaN", "Infinity", "-Infinity".</summary>
    public static double Number(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.String => v.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var s => throw new FormatException($"fixture: '{s}' is not a number"),
        },
        _ => throw new FormatException($"fixture: {v.ValueKind} is not a number"),
    };

    /// <summary>A tensor {shape, values, grad?}, or null for JSON null.</summary>
    public static FixtureTensor? Tensor(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : new FixtureTensor(
        e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
        e.GetProperty("values").EnumerateArray().Select(Number).ToArray(),
        e.TryGetProperty("grad", out var g) && g.ValueKind == JsonValueKind.True);

    /// <summary>A case in the edge-case layout: name, op, params, inputs, and the optional upstream, output, grads and error.</summary>
    public static EdgeCase Case(JsonElement c) => new(
        c.GetProperty("name").GetString()!,
        c.GetProperty("op").GetString()!,
        c.GetProperty("params").Clone(),
        c.GetProperty("inputs").EnumerateArray().Select(i => Tensor(i)!).ToArray(),
        Optional(c, "upstream"),
        Optional(c, "output"),
        c.TryGetProperty("grads", out var g) ? g.EnumerateArray().Select(Tensor).ToArray() : [],
        c.TryGetProperty("error", out var err) ? err.GetString() : null);

    private static FixtureTensor? Optional(JsonElement c, string name) => c.TryGetProperty(name, out var e) ? Tensor(e) : null;
}
