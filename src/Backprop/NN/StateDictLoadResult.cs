namespace Backprop.NN;

/// <summary>
/// What <see cref="Module.LoadStateDict(IEnumerable{KeyValuePair{string, Tensor}}, bool, string)"/> did not match
/// (PyTorch's <c>missing_keys</c> and <c>unexpected_keys</c>): always empty after a strict load, which throws instead.
/// </summary>
/// <param name="MissingKeys">Entries the model has that the state did not provide; they kept their values.</param>
/// <param name="UnexpectedKeys">Entries of the state the model does not have; they were ignored.</param>
public sealed record StateDictLoadResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys)
{
    /// <summary>Whether every entry matched (nothing missing, nothing unexpected).</summary>
    public bool IsComplete => MissingKeys.Count == 0 && UnexpectedKeys.Count == 0;

    /// <inheritdoc/>
    public override string ToString() =>
        IsComplete ? "all entries matched"
            : $"missing: {(MissingKeys.Count == 0 ? "none" : string.Join(", ", MissingKeys))}; unexpected: {(UnexpectedKeys.Count == 0 ? "none" : string.Join(", ", UnexpectedKeys))}";
}
