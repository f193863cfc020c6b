using Backprop.NN;

namespace Backprop.Cli.Models;

/// <summary>
/// A GPT (decoder-only transformer) over character tokens, as nanoGPT's model with no biases and no dropout: token and
/// learned position embeddings, pre-norm blocks, a final layer norm and an output projection tied to the token
/// embedding. <see cref="Forward"/> maps tokens [B, T] (int32, T ≤ block) to logits [B, T, V]. Entry names follow the
/// references (<c>wte.weight</c>, <c>h.0.c_attn.weight</c>, ...), so a state dict lines up with theirs.
/// </summary>
public sealed class Gpt : Module<Tensor, Tensor>
{
    /// <summary>
    /// Builds the model and initialises it as GPT.md section 3: every matrix N(0, 0.02), the two projections into the
    /// residual stream N(0, 0.02/√(2·layers)), layer-norm weights 1. Draws from <paramref name="generator"/> in the
    /// references' order: wte, wpe, then per block c_attn, attn_proj, c_fc, mlp_proj.
    /// </summary>
    public Gpt(GptConfig config, Generator? generator = null)
    {
        Config = config.Validated();
        var gen = generator ?? Generator.Default;
        int c = config.Embed;
        TokenEmbedding = RegisterModule("wte", new Embedding(config.VocabularySize, c, gen));
        PositionEmbedding = RegisterModule("wpe", new Embedding(config.BlockSize, c, gen));
        Blocks = RegisterModule("h", new ModuleList<GptBlock>(Enumerable.Range(0, config.Layers).Select(_ => new GptBlock(config, gen)).ToArray()));
        FinalNorm = RegisterModule("ln_f", new LayerNorm(c, bias: false));

        double std = 0.02, projectionStd = 0.02 / Math.Sqrt(2.0 * config.Layers);
        Init.Normal(TokenEmbedding.Weight, 0, std, gen);
        Init.Normal(PositionEmbedding.Weight, 0, std, gen);
        foreach (var block in Blocks)
        {
            Init.Normal(block.Attention.Weight, 0, std, gen);
            Init.Normal(block.AttentionProjection.Weight, 0, projectionStd, gen);
            Init.Normal(block.Expand.Weight, 0, std, gen);
            Init.Normal(block.Project.Weight, 0, projectionStd, gen);
        }
    }

    /// <summary>The model's shape.</summary>
    public GptConfig Config { get; }

    /// <summary>wte: the token embedding [V, C], also the output projection.</summary>
    public Embedding TokenEmbedding { get; }

    /// <summary>wpe: the position embedding [block, C].</summary>
    public Embedding PositionEmbedding { get; }

    /// <summary>ln_f: the layer norm before the output projection.</summary>
    public LayerNorm FinalNorm { get; }

    /// <summary>The transformer blocks, h.0 to h.(layers−1).</summary>
    public ModuleList<GptBlock> Blocks { get; }

    /// <summary>Logits [B, T, V] for the tokens <paramref name="tokens"/> [B, T] (int32, T ≤ block).</summary>
    public override Tensor Forward(Tensor tokens)
    {
        if (tokens.Rank != 2 || tokens.DType != DType.Int32)
            throw new ArgumentException($"gpt: expected int32 tokens [batch, time], got {tokens.DType.Name()} {Shapes.Format(tokens.Shape)}");
        int b = tokens.Shape[0], t = tokens.Shape[1];
        if (t > Config.BlockSize)
            throw new ArgumentException($"gpt: a sequence of {t} tokens is longer than the block size {Config.BlockSize}");
        Tensor x;
        using (GptProfile.Section("forward: embeddings"))
            x = Tensor.Embedding(tokens, TokenEmbedding.Weight) + PositionEmbedding.Weight.Narrow(0, 0, t);
        foreach (var block in Blocks) x = ForwardChild(block, x);
        using (GptProfile.Section("forward: layer norm"))
            x = ForwardChild(FinalNorm, x);
        using (GptProfile.Section("forward: lm_head (tied wte)"))
            return Tensor.Linear(x, TokenEmbedding.Weight);
    }

    /// <summary>The mean cross-entropy of <paramref name="logits"/> [B, T, V] against the next tokens <paramref name="targets"/> [B, T].</summary>
    public static Tensor Loss(Tensor logits, Tensor targets)
    {
        return logits.CrossEntropy(targets);
    }

    /// <inheritdoc/>
    public override string Describe() =>
        $"GPT(layers={Config.Layers}, heads={Config.Heads}, embed={Config.Embed}, block={Config.BlockSize}, vocabulary={Config.VocabularySize})";
}

/// <summary>One pre-norm transformer block: x + attn_proj(attention(ln_1(x))), then x + mlp_proj(GELU(c_fc(ln_2(x)))).</summary>
public sealed class GptBlock : Module<Tensor, Tensor>
{
    private readonly int _heads;

    /// <summary>Creates the block's layers (<see cref="Gpt"/> redraws their weights from <paramref name="generator"/> too).</summary>
    public GptBlock(GptConfig config, Generator generator)
    {
        int c = config.Embed;
        _heads = config.Heads;
        Norm1 = RegisterModule("ln_1", new LayerNorm(c, bias: false));
        Attention = RegisterModule("c_attn", new Linear(c, 3 * c, generator, bias: false));
        AttentionProjection = RegisterModule("attn_proj", new Linear(c, c, generator, bias: false));
        Norm2 = RegisterModule("ln_2", new LayerNorm(c, bias: false));
        Expand = RegisterModule("c_fc", new Linear(c, 4 * c, generator, bias: false));
        Project = RegisterModule("mlp_proj", new Linear(4 * c, c, generator, bias: false));
    }

    /// <summary>ln_1.</summary>
    public LayerNorm Norm1 { get; }
    /// <summary>c_attn: q, k and v in one matrix [3C, C].</summary>
    public Linear Attention { get; }
    /// <summary>attn_proj [C, C].</summary>
    public Linear AttentionProjection { get; }
    /// <summary>ln_2.</summary>
    public LayerNorm Norm2 { get; }
    /// <summary>c_fc [4C, C].</summary>
    public Linear Expand { get; }
    /// <summary>mlp_proj [C, 4C].</summary>
    public Linear Project { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        Tensor a, qkv, y, h;
        using (GptProfile.Section("forward: layer norm")) a = ForwardChild(Norm1, x);
        using (GptProfile.Section("forward: c_attn")) qkv = ForwardChild(Attention, a);
        using (GptProfile.Section("forward: attention"))
        {
            // q, k and v are the thirds of the projection, channels 32h..32h+31 of each third head h: the packed
            // operator reads them in place and gives [B, T, C] with the heads merged, and the projection's gradient in one piece.
            y = Tensor.SelfAttention(qkv, _heads, isCausal: true);
        }
        using (GptProfile.Section("forward: attn_proj + residual")) x = x + ForwardChild(AttentionProjection, y);
        using (GptProfile.Section("forward: layer norm")) a = ForwardChild(Norm2, x);
        // c_fc and its GELU as one operator (linear_gelu): the backward only multiplies by the slope the forward kept.
        using (GptProfile.Section("forward: c_fc + GELU")) h = RunChild(Expand, () => Tensor.LinearGelu(a, Expand.Weight, Expand.Bias));
        using (GptProfile.Section("forward: mlp_proj + residual")) return x + ForwardChild(Project, h);
    }
}
