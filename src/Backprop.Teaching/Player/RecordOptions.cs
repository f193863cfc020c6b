using Backprop.NN;

namespace Backprop.Teaching.Player;

/// <summary>How <see cref="Explain.Record(Func{Tensor}, RecordOptions?)"/> names and checks what it records.</summary>
/// <param name="Title">The page's heading; null for "the backward pass of &lt;output operator&gt;".</param>
/// <param name="Model">
/// The model whose parameters the computation reads: they are shown by their names (<c>0.weight</c>) and grouped with
/// the module that owns them. Without it a parameter is shown by its <see cref="Tensor.Name"/>, or as "input".
/// </param>
/// <param name="Names">Names for other tensors (the data batch, say), shown instead of "input" / "constant".</param>
/// <param name="NumericalCheck">
/// Check every input's and parameter's gradient against central finite differences (two more forward passes each:
/// the computation is run again, without recording, with that tensor moved along a random direction).
/// </param>
public sealed record RecordOptions(
    string? Title = null,
    Module? Model = null,
    IReadOnlyDictionary<Tensor, string>? Names = null,
    bool NumericalCheck = false);
