namespace Backprop;

/// <summary>
/// The state of one backward pass — which tensors it reaches, in what order, and the gradient being summed for each —
/// kept here rather than on the tensors, so passes on several threads may share tensors (a shared embedding, a frozen
/// pretrained layer) without racing.
/// </summary>
/// <remarks>
/// To find a tensor's slot without a hash lookup, the pass claims the tensor: one compare-and-swap of
/// <see cref="Tensor.PassOwner"/> to the pass's token. Ending the pass deactivates the token, which releases all its
/// claims at once (no walk over the tensors); a later pass may take over a tensor whose token is inactive. A tensor an
/// active pass holds goes into a small per-pass dictionary instead, so sharing costs only those tensors a lookup. A
/// thread keeps its last pass's arrays for the next one, so a training loop's backward allocates only the token.
/// </remarks>
internal sealed class BackwardPass
{
    /// <summary>One run of a pass, as tensors see it: a claim holds while its token is active.</summary>
    internal sealed class Token
    {
        public volatile bool Active = true;
    }

    private Token _token = new();
    private const int MaxSpareSlots = 1 << 16;
    [ThreadStatic] private static BackwardPass? _spare;

    private Tensor[] _tensors = new Tensor[64];
    private Tensor?[] _pending = new Tensor?[64];
    private int[] _order = new int[64];
    private (int Slot, int NextInput)[] _stack = new (int, int)[64];
    private Dictionary<Tensor, int>? _shared;
    private int _count, _orderCount;

    /// <summary>The engine's per-node lists (the input gradients a node returns, the leaf gradients it may add into), kept with the pass.</summary>
    internal Tensor?[] GradScratch = new Tensor?[4], LeafScratch = new Tensor?[4];

    /// <summary>A pass ready to use: this thread's spare one, or a new one while the spare is busy (a nested pass).</summary>
    public static BackwardPass Rent()
    {
        var pass = _spare ?? new BackwardPass();
        _spare = null;
        if (!pass._token.Active) pass._token = new Token();
        return pass;
    }

    /// <summary>Releases every claimed tensor and drops every reference, then keeps the arrays for this thread's next pass.</summary>
    public void Return()
    {
        _token.Active = false;
        Array.Clear(_tensors, 0, _count);
        Array.Clear(_pending, 0, _count);
        _shared?.Clear();
        Array.Clear(GradScratch);
        Array.Clear(LeafScratch);
        _count = _orderCount = 0;
        if (_tensors.Length <= MaxSpareSlots) _spare = this; // a huge graph's arrays are not worth pinning

    }

    /// <summary>
    /// For a pass that computes the gradients of some tensors only (<see cref="Autograd.Grad(Tensor[], Tensor[], Tensor?[], bool, bool?, bool)"/>):
    /// which slots lead to one of <paramref name="targetSlots"/> through their node's inputs, so the pass runs only the
    /// nodes whose gradients reach a target. Indexed by slot.
    /// </summary>
    public bool[] LeadsToTargets(ReadOnlySpan<int> targetSlots)
    {
        var isTarget = new bool[_count];
        foreach (int slot in targetSlots)
            if (slot >= 0) isTarget[slot] = true;
        var leads = new bool[_count];
        // Topological order puts every tensor after the inputs of its node, so their answers are known here.
        for (int i = 0; i < _orderCount; i++)
        {
            int slot = _order[i];
            var inputs = _tensors[slot].GradFn?.InputArray;
            if (inputs is null) continue;
            foreach (var input in inputs)
            {
                int child = input.RequiresGrad ? SlotOf(input) : -1;
                if (child >= 0 && (isTarget[child] || leads[child])) { leads[slot] = true; break; }
            }
        }
        return leads;
    }

    /// <summary>The number of tensors in topological order.</summary>
    public int OrderCount => _orderCount;

    /// <summary>The slot of the tensor at topological position <paramref name="i"/> (inputs before outputs).</summary>
    public int OrderAt(int i) => _order[i];

    public Tensor TensorAt(int slot) => _tensors[slot];

    /// <summary>Takes the gradient summed for a slot, leaving it empty (its buffer is free once it moves on).</summary>
    public Tensor? TakePending(int slot)
    {
        var g = _pending[slot];
        _pending[slot] = null;
        return g;
    }

    /// <summary>Adds a gradient into a tensor's sum for this pass.</summary>
    public void AddPending(Tensor t, Tensor g)
    {
        int slot = SlotOf(t);
        if (slot < 0) throw new InvalidOperationException("internal: backward reached a tensor outside its topological order");
        _pending[slot] = _pending[slot] is { } sum ? sum + g : g;
    }

    /// <summary>The slot of a tensor this pass reached, or −1.</summary>
    public int SlotOf(Tensor t)
    {
        if (t.PassOwner == _token) return t.PassSlot;
        return _shared is not null && _shared.TryGetValue(t, out int slot) ? slot : -1;
    }

    private int Claim(Tensor t)
    {
        int slot = _count++;
        if (slot == _tensors.Length)
        {
            Array.Resize(ref _tensors, slot * 2);
            Array.Resize(ref _pending, slot * 2);
            Array.Resize(ref _order, slot * 2);
        }
        _tensors[slot] = t;
        var held = t.PassOwner;
        if ((held is null || !held.Active) && Interlocked.CompareExchange(ref t.PassOwner, _token, held) == held) t.PassSlot = slot;
        else (_shared ??= new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance)).Add(t, slot);
        return slot;
    }

    /// <summary>
    /// Finds the tensors reachable from <paramref name="root"/> through recorded operators and puts them in topological
    /// order. Iterative depth-first search, so a chain of a million nodes needs no deep stack.
    /// </summary>
    public void Walk(Tensor root, Tensor rootGradient)
    {
        Walk(root);
        _pending[0] = rootGradient;
    }

    /// <summary>
    /// Adds the tensors reachable from one more root to the topological order (those already reached stay where they
    /// are), so several outputs share one pass.
    /// </summary>
    public void Walk(Tensor root)
    {
        if (SlotOf(root) >= 0) return;
        int depth = 0;
        _stack[depth++] = (Claim(root), 0);
        while (depth > 0)
        {
            var (slot, next) = _stack[--depth];
            var inputs = _tensors[slot].GradFn?.InputArray;
            if (inputs is not null && next < inputs.Length)
            {
                _stack[depth++] = (slot, next + 1);
                var child = inputs[next];
                if (child.RequiresGrad && SlotOf(child) < 0)
                {
                    if (depth == _stack.Length) Array.Resize(ref _stack, depth * 2);
                    _stack[depth++] = (Claim(child), 0);
                }
                continue;
            }
            _order[_orderCount++] = slot;
        }
    }
}
