#:project ../src/Backprop/Backprop.csproj
#:property TieredCompilation=false

// A character-level GPT written from scratch against Backprop's public API: nanoGPT's shakespeare_char recipe on
// Moby-Dick (4 layers, 4 heads, 128 wide, context 64), trained with AdamW, then sampled.
//
//   dotnet run samples/char_gpt.cs               the full recipe: 2,000 iterations (a few minutes on 2 cores)
//   dotnet run samples/char_gpt.cs -- --short    a tiny model for a few seconds; exits 1 unless the loss went down
using System.IO.Compression;
using System.Runtime.CompilerServices;
using Backprop;
using Backprop.NN;
using Backprop.Optim;

bool quick = args.Contains("--short");
var (layers, heads, embed, block, iters, batch) = quick ? (1, 2, 32, 16, 60, 8) : (4, 4, 128, 64, 2000, 12);

// Data: every distinct character is a token; the first 90 % of the text trains, the rest validates.
string text;
using (var gzip = new GZipStream(File.OpenRead(Path.Combine(RepositoryRoot(), "data/moby-dick.txt.gz")), CompressionMode.Decompress))
using (var reader = new StreamReader(gzip)) text = reader.ReadToEnd();
char[] vocabulary = [.. text.Distinct().Order()];
int[] tokens = [.. text.Select(c => Array.BinarySearch(vocabulary, c))];
int trainCount = (int)(0.9 * tokens.Length);

Generator.ManualSeed(1337);
var model = new Gpt(vocabulary.Length, block, layers, heads, embed);
Console.WriteLine($"{model.ParameterCount:N0} parameters, {vocabulary.Length} characters, {tokens.Length:N0} tokens");

// AdamW: matrices and embeddings decay, layer-norm weights do not. Warm-up, then cosine down to a tenth.
var parameters = model.Parameters();
var optimizer = new AdamW(
    [new ParameterGroup(parameters.Where(p => p.Rank == 2)) { WeightDecay = 0.1 }, new ParameterGroup(parameters.Where(p => p.Rank < 2)) { WeightDecay = 0 }],
    learningRate: 1e-3, beta1: 0.9, beta2: 0.99);
int warmup = Math.Max(1, iters / 20);
double LearningRate(int it) => it < warmup ? 1e-3 * (it + 1) / warmup
    : 1e-4 + 0.5 * (1 + Math.Cos(Math.PI * (it - warmup) / (iters - warmup))) * (1e-3 - 1e-4);

var sampler = new Generator(42);
(Tensor X, Tensor Y) Batch(int start, int length)
{
    var x = new int[batch * block];
    var y = new int[batch * block];
    for (int b = 0; b < batch; b++)
    {
        int i = start + sampler.NextInt(length - block);
        Array.Copy(tokens, i, x, b * block, block);
        Array.Copy(tokens, i + 1, y, b * block, block);
    }
    return (Tensor.FromArray(x, batch, block), Tensor.FromArray(y, batch, block));
}

double firstLoss = 0, lastLoss = 0;
for (int it = 0; it < iters; it++)
{
    optimizer.LearningRate = LearningRate(it);
    using (TensorScope.Begin())  // every buffer of the step is recycled when it ends
    {
        var (x, y) = Batch(0, trainCount);
        var loss = model.Loss(model.Forward(x), y);
        loss.Backward();
        lastLoss = loss.Item();
    }
    if (it == 0) firstLoss = lastLoss;
    GradientClipping.ClipByGlobalNorm(parameters, 1.0);
    optimizer.Step();
    optimizer.ZeroGrad();
    if (it % (iters / 10) == 0 || it == iters - 1) Console.WriteLine($"iteration {it,5}: loss {lastLoss:F4}");
}

using (Autograd.NoGrad())
using (TensorScope.Begin())
{
    var (x, y) = Batch(trainCount, tokens.Length - trainCount);
    Console.WriteLine($"validation loss {model.Loss(model.Forward(x), y).Item():F4}");
}

// Generation: feed the last `block` characters, keep the 20 likeliest, sample at temperature 0.8.
var context = "Call me".Select(c => Array.BinarySearch(vocabulary, c)).ToList();
Console.Write("Call me");
using (Autograd.NoGrad())
    for (int i = 0; i < (quick ? 40 : 300); i++)
    {
        using var scope = TensorScope.Begin();
        var window = context.TakeLast(block).ToArray();
        var logits = model.Forward(Tensor.FromArray(window, 1, window.Length)).Narrow(1, window.Length - 1, 1).Reshape(-1) / 0.8;
        var (top, index) = logits.TopK(20);
        int next = index.ToArray<int>()[top.Softmax().Multinomial(1).ToArray<int>()[0]];
        context.Add(next);
        Console.Write(vocabulary[next]);
    }
Console.WriteLine();

if (quick && !(lastLoss < firstLoss)) { Console.Error.WriteLine($"the loss did not go down: {firstLoss:F4} → {lastLoss:F4}"); return 1; }
return 0;

static string RepositoryRoot([CallerFilePath] string sample = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(sample)!, ".."));

// The model: token and position embeddings, blocks of attention and MLP, a final norm, an output tied to the tokens.
sealed class Gpt : Module<Tensor, Tensor>
{
    readonly Embedding wte, wpe;
    readonly ModuleList<Block> h;
    readonly LayerNorm ln_f;

    public Gpt(int vocabulary, int block, int layers, int heads, int embed)
    {
        wte = RegisterModule("wte", new Embedding(vocabulary, embed));
        wpe = RegisterModule("wpe", new Embedding(block, embed));
        h = RegisterModule("h", new ModuleList<Block>(Enumerable.Range(0, layers).Select(_ => new Block(embed, heads)).ToArray()));
        ln_f = RegisterModule("ln_f", new LayerNorm(embed, bias: false));
        foreach (var (name, p) in NamedParameters())  // GPT-2's init: N(0, 0.02), the residual projections scaled down
            if (p.Rank == 2) Init.Normal(p, 0, name.EndsWith("proj.weight") ? 0.02 / Math.Sqrt(2 * layers) : 0.02, Generator.Default);
    }

    public override Tensor Forward(Tensor idx)  // [B, T] tokens → [B, T, vocabulary] logits
    {
        var x = wte.Forward(idx) + wpe.Weight.Narrow(0, 0, idx.Shape[1]);
        foreach (var block in h) x = block.Forward(x);
        return Tensor.Linear(ln_f.Forward(x), wte.Weight);
    }

    public Tensor Loss(Tensor logits, Tensor targets) => logits.CrossEntropy(targets);  // mean over all B·T positions
}

sealed class Block : Module<Tensor, Tensor>
{
    readonly int embed, heads;
    readonly LayerNorm ln_1, ln_2;
    readonly Linear c_attn, attn_proj, c_fc, mlp_proj;

    public Block(int embed, int heads)
    {
        (this.embed, this.heads) = (embed, heads);
        ln_1 = RegisterModule("ln_1", new LayerNorm(embed, bias: false));
        c_attn = RegisterModule("c_attn", new Linear(embed, 3 * embed, bias: false));  // q, k and v in one product
        attn_proj = RegisterModule("attn_proj", new Linear(embed, embed, bias: false));
        ln_2 = RegisterModule("ln_2", new LayerNorm(embed, bias: false));
        c_fc = RegisterModule("c_fc", new Linear(embed, 4 * embed, bias: false));
        mlp_proj = RegisterModule("mlp_proj", new Linear(4 * embed, embed, bias: false));
    }

    public override Tensor Forward(Tensor x)
    {
        int b = x.Shape[0], t = x.Shape[1], hs = embed / heads;
        var qkv = c_attn.Forward(ln_1.Forward(x));
        Tensor Heads(int i) => qkv.Narrow(2, i * embed, embed).Reshape(b, t, heads, hs).Transpose(1, 2);  // [B, H, T, hs]
        // softmax(q·kᵀ/√hs)·v where each position sees itself and the positions before it (one fused operator)
        var y = Tensor.ScaledDotProductAttention(Heads(0), Heads(1), Heads(2), isCausal: true);
        x = x + attn_proj.Forward(y.Transpose(1, 2).Reshape(b, t, embed));
        return x + mlp_proj.Forward(c_fc.Forward(ln_2.Forward(x)).Gelu());
    }
}
