namespace Backprop.NN;

/// <summary>
/// Multi-head attention over batch-first sequences, as PyTorch's <c>nn.MultiheadAttention(E, H, batch_first=True)</c>:
/// query [B, L, E], key [B, S, E] and value [B, S, E] are projected by the three row blocks of <c>in_proj_weight</c>
/// [3E, E] (plus <c>in_proj_bias</c> [3E]), split into H heads of E/H, attended with
/// <see cref="Tensor.ScaledDotProductAttention(Tensor, Tensor, Tensor, bool, double?)"/> (scale 1/√(E/H)), merged and
/// projected by <c>out_proj</c>. The result is [B, L, E] (PyTorch also returns the averaged attention weights; this
/// module does not). Key and value share the embedding size E (PyTorch's kdim = vdim = E); there is no dropout.
/// </summary>
public sealed class MultiheadAttention : Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Linear _outProj;

    /// <summary>
    /// Creates the module with PyTorch's initialisation: <c>in_proj_weight</c> Xavier-uniform, <c>out_proj.weight</c>
    /// U(−1/√E, 1/√E) (nn.Linear's default) and both biases zero.
    /// </summary>
    /// <param name="embedDim">E, the model width.</param>
    /// <param name="numHeads">H; must divide E.</param>
    /// <param name="bias">Whether the input and output projections have biases.</param>
    /// <param name="generator">Where the initial weights come from; null for <see cref="Generator.Default"/>.</param>
    /// <param name="isCausal">Whether query i attends only to keys 0..i (a decoder's self-attention).</param>
    /// <param name="dtype">The parameters' dtype.</param>
    public MultiheadAttention(int embedDim, int numHeads, bool bias = true, Generator? generator = null, bool isCausal = false,
        DType dtype = DType.Float32)
    {
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0)
            throw new ArgumentException($"MultiheadAttention: embedDim ({embedDim}) must be a positive multiple of numHeads ({numHeads})");
        var g = generator ?? Generator.Default;
        EmbedDim = embedDim;
        NumHeads = numHeads;
        IsCausal = isCausal;
        InProjWeight = RegisterParameter("in_proj_weight", Init.XavierUniform(Tensor.Zeros([3 * embedDim, embedDim], dtype), g));
        if (bias) InProjBias = RegisterParameter("in_proj_bias", Tensor.Zeros([3 * embedDim], dtype));
        _outProj = RegisterModule("out_proj", new Linear(embedDim, embedDim, g, bias, dtype));
        using (Autograd.NoGrad()) _outProj.Bias?.Fill(0);
    }

    /// <summary>E, the model width.</summary>
    public int EmbedDim { get; }

    /// <summary>H, the number of heads (each of E/H).</summary>
    public int NumHeads { get; }

    /// <summary>Whether query i attends only to keys 0..i.</summary>
    public bool IsCausal { get; set; }

    /// <summary>The stacked query, key and value projections [3E, E] (rows 0..E−1 for the query, then key, then value).</summary>
    public Tensor InProjWeight { get; }

    /// <summary>Their biases [3E], or null.</summary>
    public Tensor? InProjBias { get; }

    /// <summary>The output projection E → E.</summary>
    public Linear OutProj => _outProj;

    /// <summary>Attends <paramref name="query"/> [B, L, E] to <paramref name="key"/> and <paramref name="value"/> [B, S, E]; returns [B, L, E].</summary>
    public override Tensor Forward(Tensor query, Tensor key, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        int e = EmbedDim;
        if (query.Rank != 3 || key.Rank != 3 || value.Rank != 3 || query.Shape[2] != e || key.Shape[2] != e || value.Shape[2] != e
            || key.Shape[0] != query.Shape[0] || value.Shape[0] != query.Shape[0] || key.Shape[1] != value.Shape[1])
            throw new ArgumentException(
                $"{Describe()}: expected batch-first query [B, L, {e}], key and value [B, S, {e}], got {Shapes.Format(query.ShapeArray)}, {Shapes.Format(key.ShapeArray)} and {Shapes.Format(value.ShapeArray)}");
        int b = query.Shape[0], l = query.Shape[1];
        // Three projections by row blocks of the stacked weight (views, no copies); each result's heads are a view.
        var q = Heads(Project(query, 0));
        var k = Heads(Project(key, 1));
        var v = Heads(Project(value, 2));
        var y = Tensor.ScaledDotProductAttention(q, k, v, IsCausal);
        // y is laid out as [B, L, H, E/H] in memory, so this transpose is contiguous and the reshape free.
        return ForwardChild(_outProj, y.Transpose(1, 2).Reshape(b, l, e));
    }

    private Tensor Project(Tensor x, int block) =>
        Tensor.Linear(x, InProjWeight.Narrow(0, block * EmbedDim, EmbedDim), InProjBias?.Narrow(0, block * EmbedDim, EmbedDim));

    // [B, T, E] → [B, H, T, E/H] as a view.
    private Tensor Heads(Tensor x) => x.Reshape(x.Shape[0], x.Shape[1], NumHeads, EmbedDim / NumHeads).Transpose(1, 2);

    /// <inheritdoc/>
    public override string Describe() =>
        $"MultiheadAttention({EmbedDim}, heads {NumHeads}{(InProjBias is null ? ", no bias" : "")}{(IsCausal ? ", causal" : "")})";
}
