using System.Text.Json;

namespace Backprop.Tests.Ops;

/// <summary>A tensor of <c>ops_index.json</c>: shape, row-major values and whether it is int32.</summary>
public sealed record IndexFixtureTensor(int[] Shape, double[] Values, bool IsInt32)
{
    /// <summary>A fresh leaf with these values in <paramref name="dtype"/> (int32 tensors stay int32); float leaves require gradients.</summary>
    public Tensor ToTensor(DType dtype = DType.Float64)
    {
        var shape = Shape.Length == 0 ? [1] : Shape;
        var t = IsInt32
            ? Tensor.FromArray(Values.Select(v => (int)v).ToArray(), shape)
            : dtype == DType.Float64 ? Tensor.FromArray(Values, shape) : Tensor.FromArray(Values.Select(v => (float)v).ToArray(), shape);
        if (Shape.Length == 0) t = t.Reshape([]);
        if (!IsInt32) t.RequiresGrad = true;
        return t;
    }
}

/// <summary>
/// One case of <c>Fixtures/ops_index.json</c>: an operator with its parameters and inputs, PyTorch's outputs, the
/// upstream gradient of each float output, and the gradient of every float input.
/// </summary>
public sealed record IndexCase(string Name, string Op, JsonElement Params, bool Ties, IndexFixtureTensor[] Inputs,
    IndexFixtureTensor[] Outputs, IndexFixtureTensor?[] Upstreams, IndexFixtureTensor?[] Grads)
{
    /// <summary>An integer parameter.</summary>
    public int Int(string name) => Params.GetProperty(name).GetInt32();

    /// <summary>An integer-list parameter, or null when absent.</summary>
    public int[]? Ints(string name) =>
        Params.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(e => e.GetInt32()).ToArray() : null;

    /// <summary>A boolean parameter.</summary>
    public bool Bool(string name) => Params.GetProperty(name).ValueKind == JsonValueKind.True;

    /// <summary>A number parameter (non-finite ones are strings), or the fallback when absent.</summary>
    public double Double(string name, double fallback) =>
        Params.TryGetProperty(name, out var v) ? FixtureFile.Number(v) : fallback;

    public override string ToString() => Name;
}

/// <summary>Reads the fixture written by <c>tools/fixtures/ops_index.py</c> (PyTorch 1.13, float64).</summary>
public static class IndexOpsFixture
{
    private static readonly Lazy<(string TorchVersion, IReadOnlyList<IndexCase> Cases)> Loaded = new(Load);

    /// <summary>The PyTorch version that produced the fixture.</summary>
    public static string TorchVersion => Loaded.Value.TorchVersion;

    /// <summary>All cases, in the fixture's order.</summary>
    public static IReadOnlyList<IndexCase> Cases => Loaded.Value.Cases;

    /// <summary>The case of that name.</summary>
    public static IndexCase Get(string name) =>
        Cases.SingleOrDefault(c => c.Name == name) ?? throw new ArgumentException($"no ops_index case named '{name}'");

    private static IndexFixtureTensor? Read(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : new IndexFixtureTensor(
        e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
        e.GetProperty("values").EnumerateArray().Select(FixtureFile.Number).ToArray(),
        e.TryGetProperty("dtype", out var d) && d.GetString() == "int32");

    private static (string, IReadOnlyList<IndexCase>) Load()
    {
        using var doc = FixtureFile.Open("ops_index.json");
        var root = doc.RootElement;
        var cases = root.GetProperty("cases").EnumerateArray().Select(c => new IndexCase(
            c.GetProperty("name").GetString()!,
            c.GetProperty("op").GetString()!,
            c.GetProperty("params").Clone(),
            c.GetProperty("ties").GetBoolean(),
            c.GetProperty("inputs").EnumerateArray().Select(i => Read(i)!).ToArray(),
            c.GetProperty("outputs").EnumerateArray().Select(i => Read(i)!).ToArray(),
            c.GetProperty("upstreams").EnumerateArray().Select(Read).ToArray(),
            c.GetProperty("grads").EnumerateArray().Select(Read).ToArray())).ToList();
        return (root.GetProperty("torch_version").GetString()!, cases);
    }
}
