namespace Backprop.NN;

/// <summary>
/// A look-up table of <see cref="NumEmbeddings"/> vectors of <see cref="EmbeddingDim"/> values: int32 indices of any
/// shape in, [...indices, embeddingDim] out (<see cref="Tensor.Embedding"/>). The weight, named <c>weight</c> as in
/// PyTorch, is initialised N(0, 1) as PyTorch does. The same weight may also serve as a tied output projection
/// (<c>Tensor.MatMul(h, embedding.Weight.T)</c>); gradients from both uses add up.
/// </summary>
public sealed class Embedding : Module<Tensor, Tensor>
{
    /// <summary>Creates the table, drawing its values from <paramref name="generator"/> (or <see cref="Generator.Default"/>).</summary>
    public Embedding(int numEmbeddings, int embeddingDim, Generator? generator = null, DType dtype = DType.Float32)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(numEmbeddings),
                $"Embedding: the number of embeddings and their size must be positive, got {numEmbeddings} × {embeddingDim}");
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"Embedding: the table must be float32 or float64, got {dtype.Name()}");
        (NumEmbeddings, EmbeddingDim) = (numEmbeddings, embeddingDim);
        Weight = RegisterParameter("weight", Init.Normal(Tensor.Zeros([numEmbeddings, embeddingDim], dtype), 0, 1, generator ?? Generator.Default));
    }

    /// <summary>Rows of the table (the vocabulary size).</summary>
    public int NumEmbeddings { get; }
    /// <summary>Values per row.</summary>
    public int EmbeddingDim { get; }
    /// <summary>The table [numEmbeddings, embeddingDim].</summary>
    public Tensor Weight { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Tensor.Embedding(input, Weight);

    /// <inheritdoc/>
    public override string Describe() => $"Embedding({NumEmbeddings}, {EmbeddingDim})";
}
