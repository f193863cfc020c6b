namespace Backprop.Data;

/// <summary>Over which values <see cref="Standardization.Fit"/> computes one mean and one standard deviation.</summary>
public enum StandardizationScope
{
    /// <summary>One mean and deviation over all features of all samples (what "normalise MNIST" usually means).</summary>
    Global,

    /// <summary>One per channel: the first dimension of the sample shape (images are [C, H, W]).</summary>
    PerChannel,

    /// <summary>One per feature position (e.g. per pixel, or per column of a CSV).</summary>
    PerFeature,
}
