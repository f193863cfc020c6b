using Backprop.Cli.Bench;
using Backprop.Cli.Models;
using Backprop.Cli.Text;

namespace Backprop.Tests.Cli;

// The parts of `bench gpt` that ../shared/bench/GPT.md fixes exactly: the generator, the data, the batches, the
// schedule, the median and the model's parameters. Expected values are GPT.md's own (computed there with PyTorch and a
// plain MT19937) or, for the generator, the C++ standard's.
public sealed class GptBenchTests
{
    private static readonly Lazy<TextCorpus> MobyDick = new(() => TextCorpus.FromText(TextCorpus.ReadText(CorpusLocation.MobyDick())));

    [Fact]
    public void Mt19937MatchesTheCppStandardsTenThousandthValue()
    {
        // [rand.predef]: the 10,000th consecutive invocation of a default-constructed std::mt19937 (seed 5489) produces 4123659995.
        var generator = new Mt19937(5489);
        uint value = 0;
        for (int i = 0; i < 10_000; i++) value = generator.NextUInt32();
        Assert.Equal(4123659995u, value);
    }

    [Fact]
    public void FirstBatchOffsetsAreGptMdsCheckValues()
    {
        var corpus = MobyDick.Value;
        Assert.Equal(
            [605365, 423370, 245936, 376708, 132880, 465636, 633154, 219954, 25407, 825687, 482974, 27466],
            new GptBatches(corpus.Train, new Mt19937(1337)).NextOffsets());
        Assert.Equal(
            [71214, 82259, 67180, 40318, 41658, 36071, 82204, 48428, 67174, 47153, 82570, 33502],
            new GptBatches(corpus.Validation, new Mt19937(42)).NextOffsets());
        Assert.Equal(
            [734821, 717414, 863645, 498979, 927612, 110489, 288220, 20071, 581825, 565186, 478253, 900614],
            new GptBatches(corpus.Train, new Mt19937(42)).NextOffsets());
    }

    [Fact]
    public void BatchTargetsAreTheInputsShiftedByOne()
    {
        var corpus = MobyDick.Value;
        var (x, y) = new GptBatches(corpus.Train, new Mt19937(1337)).Next();
        Assert.Equal([12, 64], x.Shape.ToArray());
        var xs = x.ToArray<int>();
        var ys = y.ToArray<int>();
        var train = corpus.Train.Span;
        Assert.Equal(train.Slice(605365, 64).ToArray(), xs[..64]);           // the first offset of the check values
        Assert.Equal(train.Slice(605366, 64).ToArray(), ys[..64]);
        Assert.Equal(train.Slice(27466 + 1, 64).ToArray(), ys[^64..]);       // the last
    }

    [Fact]
    public void VocabularyAndSplitAreGptMds()
    {
        var corpus = MobyDick.Value;
        Assert.Equal(1_190_317, corpus.Tokens.Length);
        Assert.Equal(83, corpus.Vocabulary.Count);
        Assert.Equal(1_071_285, corpus.TrainCount);
        Assert.Equal(119_032, corpus.Validation.Length);
        var v = corpus.Vocabulary;
        Assert.Equal(
            [0, 1, 11, 24, 52, 78, 82],
            new[] { '\n', ' ', '0', 'A', 'a', '\u2014', '\u201D' }.Select(c => v.TokenOf(c)).ToArray());
    }

    [Fact]
    public void LearningRateScheduleMatchesGptMd()
    {
        Assert.Equal(1e-5, GptCharWorkload.LearningRate(0, 2000), 15);
        Assert.Equal(1e-3, GptCharWorkload.LearningRate(99, 2000), 15);
        Assert.Equal(1e-3, GptCharWorkload.LearningRate(100, 2000), 15);
        Assert.Equal(1.0000062e-4, GptCharWorkload.LearningRate(1999, 2000), 11);
        Assert.Equal(100, GptCharWorkload.Warmup(2000));
        Assert.Equal(10, GptCharWorkload.Warmup(200));
        Assert.Equal(1, GptCharWorkload.Warmup(10));
    }

    [Fact]
    public void MedianOfAnEvenCountIsTheMeanOfTheMiddleTwo()
    {
        Assert.Equal(2.5, GptCharWorkload.Median([4, 1, 3, 2]));
        Assert.Equal(3, GptCharWorkload.Median([5, 1, 3]));
    }

    [Fact]
    public void ModelHasGptMdsParametersInTheReferencesOrder()
    {
        var model = new Gpt(new GptConfig(83), new Generator(1));
        var named = model.NamedParameters();
        Assert.Equal(27, named.Count);
        Assert.Equal(806_400, model.ParameterCount);
        string[] first = ["wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.0.c_attn.weight", "h.0.attn_proj.weight", "h.0.ln_2.weight", "h.0.c_fc.weight", "h.0.mlp_proj.weight"];
        Assert.Equal(first, named.Take(8).Select(p => p.Key));
        Assert.Equal("ln_f.weight", named[^1].Key);
        Assert.Equal(196_864, named.Where(p => p.Key.StartsWith("h.1.", StringComparison.Ordinal)).Sum(p => p.Value.Numel));
    }

    [Fact]
    public void InitialisationDrawsGptMdsDistributions()
    {
        var model = new Gpt(new GptConfig(83), new Generator(7));
        double Std(Tensor t) { var v = t.ToDoubleArray(); double m = v.Average(); return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / v.Length); }
        var named = model.NamedParameters().ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(0.02, Std(named["h.0.c_fc.weight"]), 3);                  // 65,536 draws: the standard error is ~6e-5
        Assert.Equal(0.02 / Math.Sqrt(8), Std(named["h.3.mlp_proj.weight"]), 3);
        Assert.Equal(0.02 / Math.Sqrt(8), Std(named["h.2.attn_proj.weight"]), 3);
        Assert.All(named["ln_f.weight"].ToFloatArray(), w => Assert.Equal(1f, w));
    }

    [Fact]
    public void FirstLossIsNearLogVocabulary()
    {
        // An untrained model with small weights predicts nearly uniformly: GPT.md's references give 4.4208 ≈ ln 83.
        var corpus = MobyDick.Value;
        var model = new Gpt(new GptConfig(83), new Generator(1337));
        var (x, y) = new GptBatches(corpus.Train, new Mt19937(1337)).Next();
        double loss = Gpt.Loss(model.Forward(x), y).Item();
        Assert.InRange(loss, Math.Log(83) - 0.1, Math.Log(83) + 0.1);
    }
}
