namespace Backprop.Cli.Bench;

/// <summary>One measured figure, in the shape the PyTorch reference script prints: {"name", "value", "unit"}.</summary>
public sealed record BenchResult(string Name, double Value, string Unit, IReadOnlyDictionary<string, double>? Extra = null);
