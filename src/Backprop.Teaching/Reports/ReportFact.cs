namespace Backprop.Teaching.Reports;

/// <summary>One line of a report's summary, such as ("test accuracy", "0.9861").</summary>
/// <param name="Label">What the value is.</param>
/// <param name="Value">The value as shown.</param>
public sealed record ReportFact(string Label, string Value);
