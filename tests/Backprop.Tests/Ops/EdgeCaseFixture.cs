using System.Text.Json;

namespace Backprop.Tests.Ops;

/// <summary>A tensor of the fixture: its shape and its float64 values in row-major order.</summary>
public sealed record FixtureTensor(int[] Shape, double[] Values, bool RequiresGrad)
{
    /// <summary>A fresh float64 leaf with these values (0-d when the shape is empty).</summary>
    public Tensor ToTensor()
    {
        var t = Tensor.FromArray(Values, Shape.Length == 0 ? [1] : Shape);
        if (Shape.Length == 0) t = t.Reshape([]);
        t.RequiresGrad = RequiresGrad;
        return t;
    }
}

/// <summary>
/// One case of <c>Fixtures/edge_gradients.json</c>: an operator (<see cref="Op"/> and <see cref="Params"/>), its
/// inputs, and what PyTorch computed — the output and every input's gradient for the upstream gradient (all ones when
/// <see cref="Upstream"/> is null), or the error PyTorch raised instead.
/// </summary>
public sealed record EdgeCase(string Name, string Op, JsonElement Params, FixtureTensor[] Inputs, FixtureTensor? Upstream,
    FixtureTensor? Output, FixtureTensor?[] Grads, string? Error)
{
    /// <summary>A number parameter; non-finite values are the strings "NaN", "Infinity", "-Infinity".</summary>
    public double Double(string name, double fallback) =>
        Params.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? FixtureFile.Number(v) : fallback;

    /// <summary>An integer parameter, or null when absent.</summary>
    public int? Int(string name) => Params.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    /// <summary>An integer-list parameter, or null when absent.</summary>
    public int[]? Ints(string name) =>
        Params.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(e => e.GetInt32()).ToArray() : null;

    /// <summary>A boolean parameter.</summary>
    public bool Bool(string name) => Params.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    public override string ToString() => Name;
}

/// <summary>Reads the fixture written by <c>tools/fixtures/edge_gradients.py</c> (PyTorch, float64).</summary>
public static class EdgeCaseFixture
{
    private static readonly Lazy<(string TorchVersion, IReadOnlyList<EdgeCase> Cases)> Loaded = new(Load);

    /// <summary>The PyTorch version that produced the fixture.</summary>
    public static string TorchVersion => Loaded.Value.TorchVersion;

    /// <summary>All cases, in the fixture's order.</summary>
    public static IReadOnlyList<EdgeCase> Cases => Loaded.Value.Cases;

    /// <summary>The case of that name.</summary>
    public static EdgeCase Get(string name) =>
        Cases.SingleOrDefault(c => c.Name == name) ?? throw new ArgumentException($"no fixture case named '{name}'");

    private static (string, IReadOnlyList<EdgeCase>) Load()
    {
        using var doc = FixtureFile.Open("edge_gradients.json");
        var root = doc.RootElement;
        return (root.GetProperty("torch_version").GetString()!, root.GetProperty("cases").EnumerateArray().Select(FixtureFile.Case).ToList());
    }
}
