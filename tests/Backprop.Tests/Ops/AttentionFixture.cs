using System.Text.Json;

namespace Backprop.Tests.Ops;

/// <summary>
/// Reads <c>Fixtures/attention.json</c>, written by <c>tools/fixtures/attention.py</c> (PyTorch 1.13, float64): the
/// transformer operators and the losses with reductions. The cases have the layout of the edge-case fixture
/// (<see cref="EdgeCase"/>), always with an upstream gradient.
/// </summary>
public static class AttentionFixture
{
    private static readonly Lazy<(string TorchVersion, IReadOnlyList<EdgeCase> Cases)> Loaded = new(Load);

    /// <summary>The PyTorch version that produced the fixture.</summary>
    public static string TorchVersion => Loaded.Value.TorchVersion;

    /// <summary>All cases, in the fixture's order.</summary>
    public static IReadOnlyList<EdgeCase> Cases => Loaded.Value.Cases;

    /// <summary>The case of that name.</summary>
    public static EdgeCase Get(string name) =>
        Cases.SingleOrDefault(c => c.Name == name) ?? throw new ArgumentException($"no attention fixture case named '{name}'");

    private static (string, IReadOnlyList<EdgeCase>) Load()
    {
        using var doc = FixtureFile.Open("attention.json");
        var root = doc.RootElement;
        return (root.GetProperty("torch_version").GetString()!, root.GetProperty("cases").EnumerateArray().Select(FixtureFile.Case).ToList());
    }
}
