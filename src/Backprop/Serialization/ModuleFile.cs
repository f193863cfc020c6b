using Backprop.NN;

namespace Backprop.Serialization;

/// <summary>
/// One-line saving and loading of any module's state dict as a safetensors file (<c>model.Save(path)</c>,
/// <c>model.Load(path)</c>): the entries are named as PyTorch's <c>state_dict</c> for the same structure, so
/// <c>safetensors.torch.load_file</c> reads them into an equivalent PyTorch model and the reverse. The model's code
/// defines its structure; the file holds only the values.
/// </summary>
/// <remarks>
/// Extension methods rather than members of <see cref="Module"/>, so that the module layer does not depend on the
/// file format (Serialization builds on NN, not the reverse).
/// </remarks>
public static class ModuleFile
{
    /// <summary>
    /// Writes every parameter and buffer of <paramref name="module"/> to <paramref name="path"/> atomically (readers
    /// and a crash see the old file or the new one, never a partial one; see <see cref="AtomicFile"/>).
    /// </summary>
    public static void Save(this Module module, string path)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var entries = new List<SafeTensorsEntry>();
        foreach (var (name, tensor) in module.StateDict()) entries.Add(TensorEntries.ToEntry(name, tensor));
        SafeTensorsFile.Write(path, entries);
    }

    /// <summary>
    /// Loads the values saved at <paramref name="path"/> into <paramref name="module"/> (in place) with the checks of
    /// <see cref="Module.LoadStateDict(IEnumerable{KeyValuePair{string, Tensor}}, bool, string)"/>: a missing,
    /// unexpected (when <paramref name="strict"/>) or mis-shaped entry throws an <see cref="ArgumentException"/> naming
    /// the entry and the file, and leaves the module unchanged.
    /// </summary>
    /// <returns>The missing and unexpected entries (empty after a strict load).</returns>
    /// <exception cref="SafeTensorsFormatException">The file is not valid safetensors.</exception>
    /// <exception cref="InvalidDataException">An entry has a dtype no tensor holds (such as F16).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static StateDictLoadResult Load(this Module module, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        var file = SafeTensorsFile.Read(path);
        string source = $"'{path}'";
        var state = new List<KeyValuePair<string, Tensor>>(file.Entries.Count);
        foreach (var entry in file.Entries) state.Add(new(entry.Name, TensorEntries.ToTensor(entry, source)));
        return module.LoadStateDict(state, strict, source);
    }
}
