using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Backprop.NN;

/// <summary>
/// Child modules by name (PyTorch's <c>nn.ModuleDict</c>): each is registered under its key, so a model holding
/// <c>heads</c> has entries named <c>heads.query.weight</c>. Keys keep the order they were added in, which is the order
/// of <see cref="Module.Parameters"/> and of the state dict. It has no forward of its own; use
/// <see cref="ModuleDict"/> for items of any kind.
/// </summary>
/// <typeparam name="TModule">What the items are.</typeparam>
public class ModuleDict<TModule> : Module, IReadOnlyDictionary<string, TModule> where TModule : Module
{
    private readonly List<KeyValuePair<string, TModule>> _items = [];
    private readonly Dictionary<string, TModule> _byName = new(StringComparer.Ordinal);

    /// <summary>Creates an empty dictionary.</summary>
    public ModuleDict() { }

    /// <summary>Creates a dictionary holding <paramref name="modules"/>, in order.</summary>
    public ModuleDict(IEnumerable<KeyValuePair<string, TModule>> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var (name, module) in modules) Add(name, module);
    }

    /// <summary>Adds <paramref name="module"/> under <paramref name="name"/> (non-empty, without '.', not used yet).</summary>
    /// <exception cref="ArgumentException">The name is invalid or already present.</exception>
    public ModuleDict<TModule> Add(string name, TModule module)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(name, module);
        _items.Add(new(name, module));
        _byName.Add(name, module);
        return this;
    }

    /// <summary>The item named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">There is no such item (the message lists the names there are).</exception>
    public TModule this[string name] => _byName.TryGetValue(name, out var module) ? module
        : throw new KeyNotFoundException($"{Describe()}: no module named '{name}'; it has {(_items.Count == 0 ? "none" : string.Join(", ", Keys))}");

    /// <summary>The number of items.</summary>
    public int Count => _items.Count;

    /// <summary>The names, in the order they were added.</summary>
    public IEnumerable<string> Keys => _items.Select(p => p.Key);

    /// <summary>The modules, in the order they were added.</summary>
    public IEnumerable<TModule> Values => _items.Select(p => p.Value);

    /// <summary>Whether an item is named <paramref name="name"/>.</summary>
    public bool ContainsKey(string name) => _byName.ContainsKey(name);

    /// <summary>Looks up an item by name.</summary>
    public bool TryGetValue(string name, [MaybeNullWhen(false)] out TModule module) => _byName.TryGetValue(name, out module);

    /// <summary>The items, in the order they were added.</summary>
    public IEnumerator<KeyValuePair<string, TModule>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string Describe() => "ModuleDict";
}

/// <summary>A <see cref="ModuleDict{TModule}"/> of modules of any kind.</summary>
public sealed class ModuleDict : ModuleDict<Module>
{
    /// <summary>Creates an empty dictionary.</summary>
    public ModuleDict() { }

    /// <summary>Creates a dictionary holding <paramref name="modules"/>, in order.</summary>
    public ModuleDict(IEnumerable<KeyValuePair<string, Module>> modules) : base(modules) { }
}
