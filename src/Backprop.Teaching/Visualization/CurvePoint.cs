namespace Backprop.Teaching.Visualization;

/// <summary>One measurement of a training curve, e.g. (epoch 3, loss 0.41).</summary>
/// <param name="X">Usually the epoch.</param>
/// <param name="Y">The measured value; NaN or infinite values are skipped when drawing.</param>
public readonly record struct CurvePoint(double X, double Y);
