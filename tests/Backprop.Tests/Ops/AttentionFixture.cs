using System.Text.Json;

namespace Backprop.Tests.Ops;

/// <summary>
/// Reads <c>Fixtures/attention.json</c>, written by <c>tools/fixtures/attention.py</c> (PyTorch 1.13, float64): the
/// transformer operators and the losses with reductions. The cases have the layout of the edge-case fixture
/// (<see cref="EdgeCase"/>), always with an upstream gradient.
/// </summary>
public static class AttentionFixture
{
    private const string Relative = "tests/Backprop.Tests/Ops/Fixtures/attention.json";
    private static readonly Lazy<(string TorchVersion, IReadOnlyList<EdgeCase> Cases)> Loaded = new(Load);

    /// <summary>The PyTorch version that produced the fixture.</summary>
    public static string TorchVersion => Loaded.Value.TorchVersion;

    /// <summary>All cases, in the fixture's order.</summary>
    public static IReadOnlyList<EdgeCase> Cases => Loaded.Value.Cases;

    /// <summary>The case of that name.</summary>
    public static EdgeCase Get(string name) =>
        Cases.SingleOrDefault(c => c.Name == name) ?? throw new ArgumentException($"no attention fixture case named '{name}'");

    private static FixtureTensor? ReadTensor(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : new FixtureTensor(
        e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
        e.GetProperty("values").EnumerateArray().Select(EdgeCaseFixture.Number).ToArray(),
        e.TryGetProperty("grad", out var g) && g.ValueKind == JsonValueKind.True);

    private static string FixturePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, Relative);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"{Relative} not found above {AppContext.BaseDirectory}");
    }

    private static (string, IReadOnlyList<EdgeCase>) Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(FixturePath()));
        var root = doc.RootElement;
        var cases = root.GetProperty("cases").EnumerateArray().Select(c => new EdgeCase(
            c.GetProperty("name").GetString()!,
            c.GetProperty("op").GetString()!,
            c.GetProperty("params").Clone(),
            c.GetProperty("inputs").EnumerateArray().Select(i => ReadTensor(i)!).ToArray(),
            ReadTensor(c.GetProperty("upstream")),
            ReadTensor(c.GetProperty("output")),
            c.GetProperty("grads").EnumerateArray().Select(ReadTensor).ToArray(),
            null)).ToList();
        return (root.GetProperty("torch_version").GetString()!, cases);
    }
}
