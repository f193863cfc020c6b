using System.Collections;
using System.Globalization;

namespace Backprop.NN;

/// <summary>
/// A list of child modules (PyTorch's <c>nn.ModuleList</c>): each is registered under its index, so a model holding
/// <c>layers</c> has entries named <c>layers.0.weight</c>, <c>layers.1.weight</c>, ... It has no forward of its own; the
/// owner decides how its items are applied. Typed by the items' kind, so <c>blocks[i].Forward(x)</c> needs no cast;
/// use <see cref="ModuleList"/> for items of any kind.
/// </summary>
/// <typeparam name="TModule">What the items are, such as <c>Module&lt;Tensor, Tensor&gt;</c> or a block type of the model's.</typeparam>
public class ModuleList<TModule> : Module, IReadOnlyList<TModule> where TModule : Module
{
    private readonly List<TModule> _items = [];

    /// <summary>Creates a list holding <paramref name="modules"/>, in order.</summary>
    public ModuleList(params IEnumerable<TModule> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var module in modules) Add(module);
    }

    /// <summary>Appends <paramref name="module"/>, registered under its index (the list's count before the call).</summary>
    public ModuleList<TModule> Add(TModule module)
    {
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(_items.Count.ToString(CultureInfo.InvariantCulture), module);
        _items.Add(module);
        return this;
    }

    /// <summary>The item at <paramref name="index"/> (negative indices count from the end, as in Python).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the list.</exception>
    public TModule this[int index]
    {
        get
        {
            int i = index < 0 ? index + _items.Count : index;
            if (i < 0 || i >= _items.Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"{Describe()}: index {index} is outside a list of {_items.Count}");
            return _items[i];
        }
    }

    /// <summary>The number of items.</summary>
    public int Count => _items.Count;

    /// <summary>The items in order.</summary>
    public IEnumerator<TModule> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string Describe() => "ModuleList";
}

/// <summary>A <see cref="ModuleList{TModule}"/> of modules of any kind.</summary>
public sealed class ModuleList : ModuleList<Module>
{
    /// <summary>Creates a list holding <paramref name="modules"/>, in order.</summary>
    public ModuleList(params IEnumerable<Module> modules) : base(modules) { }
}
