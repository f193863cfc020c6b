namespace Backprop.Teaching.Visualization;

/// <summary>Which panel of a training-curves figure a series is drawn in.</summary>
public enum CurvePanel
{
    /// <summary>The left panel: loss per epoch.</summary>
    Loss,
    /// <summary>The right panel: accuracy per epoch.</summary>
    Accuracy,
    /// <summary>The right panel, instead of accuracy: the error rate 1 − accuracy, which a log scale can spread out.</summary>
    ErrorRate,
}
