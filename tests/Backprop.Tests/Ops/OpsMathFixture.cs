using System.Text.Json;

namespace Backprop.Tests.Ops;

/// <summary>
/// One case of <c>Fixtures/ops_math.json</c> (the format of edge_gradients.json, see <see cref="EdgeCaseFixture"/>,
/// plus each input's dtype and the output's): an operator with its parameters and inputs, and what PyTorch computed.
/// </summary>
public sealed record OpsMathCase(EdgeCase Case, string[] InputDTypes, string? OutputDType)
{
    /// <summary>Fresh leaves for the inputs: int32 where PyTorch's was an integer tensor, else float64.</summary>
    public Tensor[] Inputs() => Case.Inputs.Select((input, i) =>
    {
        if (InputDTypes[i] != "int32") return input.ToTensor();
        var ints = Tensor.FromArray(input.Values.Select(v => (int)v).ToArray(), input.Shape.Length == 0 ? [1] : input.Shape);
        return input.Shape.Length == 0 ? ints.Reshape([]) : ints;
    }).ToArray();

    /// <summary>A string parameter, or null when absent.</summary>
    public string? String(string name) => Case.Params.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public override string ToString() => Case.Name;
}

/// <summary>Reads the fixture written by <c>tools/fixtures/ops_math.py</c> (PyTorch 1.13, float64).</summary>
public static class OpsMathFixture
{
    private static readonly Lazy<(string TorchVersion, IReadOnlyList<OpsMathCase> Cases)> Loaded = new(Load);

    public static string TorchVersion => Loaded.Value.TorchVersion;

    public static IReadOnlyList<OpsMathCase> Cases => Loaded.Value.Cases;

    public static OpsMathCase Get(string name) =>
        Cases.SingleOrDefault(c => c.Case.Name == name) ?? throw new ArgumentException($"no ops_math case named '{name}'");

    private static (string, IReadOnlyList<OpsMathCase>) Load()
    {
        using var doc = FixtureFile.Open("ops_math.json");
        var root = doc.RootElement;
        var cases = root.GetProperty("cases").EnumerateArray().Select(c => new OpsMathCase(
            FixtureFile.Case(c),
            c.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("dtype").GetString()!).ToArray(),
            c.TryGetProperty("output_dtype", out var od) ? od.GetString() : null)).ToList();
        return (root.GetProperty("torch_version").GetString()!, cases);
    }
}
