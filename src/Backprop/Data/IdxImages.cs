namespace Backprop.Data;

/// <summary>
/// The raw contents of an IDX image file (magic 0x00000803): <paramref name="Count"/> images of
/// <paramref name="Rows"/> × <paramref name="Columns"/> unsigned-byte pixels.
/// </summary>
/// <param name="Pixels">Count × Rows × Columns bytes, image after image, each row-major.</param>
/// <param name="Count">The number of images (the first IDX dimension).</param>
/// <param name="Rows">The image height (the second IDX dimension).</param>
/// <param name="Columns">The image width (the third IDX dimension).</param>
public sealed record IdxImages(byte[] Pixels, int Count, int Rows, int Columns);
