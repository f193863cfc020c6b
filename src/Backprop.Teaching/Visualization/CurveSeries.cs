namespace Backprop.Teaching.Visualization;

/// <summary>One line of a training-curves figure, such as "train loss" or "test accuracy".</summary>
/// <param name="Name">Shown in the legend; escaped.</param>
/// <param name="Panel">Which panel it belongs to.</param>
/// <param name="Points">The measurements, in drawing order.</param>
public sealed record CurveSeries(string Name, CurvePanel Panel, IReadOnlyList<CurvePoint> Points);
