using System.Numerics;

namespace Backprop;

/// <summary>
/// A seeded pseudo-random number generator whose output is identical on every platform, so that
/// weight initialisation, shuffling and sampling are reproducible and a training run can be resumed
/// bit-identically from a checkpoint.
/// </summary>
/// <remarks>
/// <para>
/// Algorithm: xoshiro256** (Blackman &amp; Vigna, 2018) with 256 bits of state. A <see cref="ulong"/> seed
/// is expanded into the four state words by taking the first four outputs of SplitMix64 started at the seed
/// (the seeding procedure recommended by the algorithm's authors). <see cref="System.Random"/> is deliberately not
/// used: its algorithm is an implementation detail of the runtime and may change between versions.
/// </para>
/// <para>
/// Derived values are defined exactly, so they can be reproduced in any language:
/// <list type="bullet">
/// <item><see cref="NextDouble"/> = (x &gt;&gt; 11) · 2⁻⁵³ and <see cref="NextFloat"/> = (x &gt;&gt; 40) · 2⁻²⁴, where x = <see cref="NextUInt64"/>.</item>
/// <item><see cref="NextInt(int)"/> uses Lemire's multiply-and-reject method on the upper 32 bits of <see cref="NextUInt64"/>; it is unbiased.</item>
/// <item><see cref="NextGaussian"/> uses the Box–Muller transform on two uniform doubles.</item>
/// <item><see cref="Shuffle{T}(Span{T})"/> is the Fisher–Yates shuffle from the last element down.</item>
/// </list>
/// Integer and uniform outputs use only integer arithmetic and exact IEEE operations, so they are bit-identical
/// everywhere. Gaussian outputs additionally use <see cref="Math.Log(double)"/>, <see cref="Math.Sqrt"/>,
/// <see cref="Math.Cos"/> and <see cref="Math.Sin"/>; Sqrt is exact by IEEE 754, and the others are identical on
/// .NET on x64 and Arm64 in practice, but a different C runtime could in principle differ in the last bit.
/// </para>
/// <para>
/// Instances are not thread-safe, except <see cref="Default"/>: give each thread its own generator (see <see cref="Fork"/>).
/// </para>
/// </remarks>
public sealed class Generator
{
    /// <summary>The number of <see cref="ulong"/> words returned by <see cref="GetState"/>.</summary>
    public const int StateLength = 4;

    /// <summary>The seed of <see cref="Default"/> at start-up, before any <see cref="ManualSeed"/>.</summary>
    public const ulong DefaultSeed = 0x5EED;

    private ulong _s0, _s1, _s2, _s3;

    // Only the default generator is shared by design, so only it pays for a lock; every other instance has none.
    private readonly Lock? _sync;

    /// <summary>
    /// The generator that layers and initialisers draw from when none is given (the role of PyTorch's default
    /// generator): <c>new Linear(2, 64)</c> draws its weights from it. Seed it with <see cref="ManualSeed"/> for a
    /// reproducible run; pass an explicit generator wherever a pipeline must not depend on what else drew before it.
    /// </summary>
    /// <remarks>
    /// One process-wide stream, as PyTorch's: every thread draws from the same sequence. It is safe to use from
    /// several threads: each call (one number, one <see cref="FillUniform"/> of a whole tensor, one
    /// <see cref="Shuffle{T}(Span{T})"/>) takes a lock, so concurrent draws never corrupt the state and each call's
    /// values are a contiguous run of the stream. Which thread gets which run is then a matter of timing, so a
    /// reproducible pipeline seeds once and builds its model on one thread, or gives each thread its own generator.
    /// </remarks>
    public static Generator Default { get; } = new(DefaultSeed, synchronized: true);

    /// <summary>
    /// Reseeds <see cref="Default"/> in place (the role of <c>torch.manual_seed</c>): afterwards it produces exactly
    /// what <c>new Generator(seed)</c> would, so <c>ManualSeed(s)</c> followed by the same constructions gives the same
    /// weights. References to <see cref="Default"/> taken earlier see the new stream too.
    /// </summary>
    public static void ManualSeed(ulong seed) => Default.Reseed(seed);

    /// <summary>Creates a generator whose whole output sequence is determined by <paramref name="seed"/>.</summary>
    public Generator(ulong seed) => SeedState(seed);

    private Generator(ulong seed, bool synchronized)
    {
        if (synchronized) _sync = new Lock();
        SeedState(seed);
    }

    private Generator(ReadOnlySpan<ulong> state) => SetState(state);

    private void SeedState(ulong seed)
    {
        ulong splitMixState = seed;
        _s0 = SplitMix64(ref splitMixState);
        _s1 = SplitMix64(ref splitMixState);
        _s2 = SplitMix64(ref splitMixState);
        _s3 = SplitMix64(ref splitMixState);
    }

    private void Reseed(ulong seed)
    {
        if (_sync is null) { SeedState(seed); return; }
        lock (_sync) SeedState(seed);
    }

    /// <summary>Creates a generator that continues from a state previously obtained with <see cref="GetState"/>.</summary>
    /// <exception cref="ArgumentException">The state does not have <see cref="StateLength"/> words, or is all zero.</exception>
    public static Generator FromState(ReadOnlySpan<ulong> state) => new(state);

    /// <summary>
    /// One step of SplitMix64 (Steele, Lea &amp; Flood, 2014): advances <paramref name="state"/> by the golden-ratio
    /// increment and returns the mixed value. Used to turn one seed into well-spread state words.
    /// </summary>
    internal static ulong SplitMix64(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        ulong z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Returns the next 64 uniformly distributed random bits (one xoshiro256** step).</summary>
    public ulong NextUInt64() => _sync is null ? Step() : LockedStep();

    // The single draws stay free of a try/finally for every generator but the default, so they inline into the
    // per-element loops (dropout masks, fills) as before.
    private ulong LockedStep()
    {
        lock (_sync!) return Step();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private ulong Step()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Returns 32 uniformly distributed random bits: the upper half of <see cref="NextUInt64"/> (the better-mixed half).</summary>
    public uint NextUInt32() => (uint)(NextUInt64() >> 32);

    /// <summary>Returns a uniformly distributed double in [0, 1) with 53 random bits: (x &gt;&gt; 11) · 2⁻⁵³.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Returns a uniformly distributed float in [0, 1) with 24 random bits: (x &gt;&gt; 40) · 2⁻²⁴.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Returns a uniformly distributed integer in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxExclusive"/> is not positive.</exception>
    public int NextInt(int maxExclusive)
    {
        if (_sync is null) return NextIntCore(maxExclusive);
        lock (_sync) return NextIntCore(maxExclusive);
    }

    private int NextIntCore(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        // Lemire (2019), "Fast random integer generation in an interval": the high word of a 32×32-bit
        // product is uniform once the few low words that would over-represent some results are rejected.
        uint range = (uint)maxExclusive;
        ulong product = (ulong)NextUInt32() * range;
        uint low = (uint)product;
        if (low < range)
        {
            uint threshold = (0u - range) % range;
            while (low < threshold)
            {
                product = (ulong)NextUInt32() * range;
                low = (uint)product;
            }
        }
        return (int)(product >> 32);
    }

    /// <summary>Returns a uniformly distributed integer in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is empty or wider than <see cref="int.MaxValue"/>.</exception>
    public int NextInt(int minInclusive, int maxExclusive)
    {
        long width = (long)maxExclusive - minInclusive;
        if (width <= 0 || width > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(maxExclusive),
                $"The range [{minInclusive}, {maxExclusive}) must be non-empty and at most int.MaxValue wide.");
        }
        return minInclusive + NextInt((int)width);
    }

    /// <summary>
    /// Returns a standard normal sample (mean 0, standard deviation 1) by the Box–Muller transform:
    /// u₁ = 1 − <see cref="NextDouble"/> (in (0, 1], so the logarithm is finite), u₂ = <see cref="NextDouble"/>,
    /// result = √(−2 ln u₁) · cos(2π u₂). Always consumes exactly two <see cref="NextUInt64"/> values, so the
    /// state alone (no cached spare value) determines the future sequence.
    /// </summary>
    public double NextGaussian()
    {
        if (_sync is null) return NextGaussianCore();
        lock (_sync) return NextGaussianCore();
    }

    private double NextGaussianCore()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with uniform values low + (high − low) · <see cref="NextFloat"/>, in order.
    /// Float rounding can make a value equal <paramref name="high"/> when |low| is much larger than the width.
    /// </summary>
    public void FillUniform(Span<float> destination, float low = 0f, float high = 1f)
    {
        using var _ = Enter();
        float width = high - low;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = low + width * NextFloat();
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with normal samples of the given mean and standard deviation.
    /// Each pair of elements uses both Box–Muller outputs (cos then sin) of one pair of uniform doubles, drawn as in
    /// <see cref="NextGaussian"/>; an odd final element uses the cos output only. Computed in double, rounded to float.
    /// </summary>
    public void FillGaussian(Span<float> destination, float mean = 0f, float standardDeviation = 1f)
    {
        using var _ = Enter();
        int i = 0;
        for (; i + 1 < destination.Length; i += 2)
        {
            double u1 = 1.0 - NextDouble();
            double u2 = NextDouble();
            double radius = Math.Sqrt(-2.0 * Math.Log(u1));
            double angle = 2.0 * Math.PI * u2;
            destination[i] = (float)(mean + standardDeviation * radius * Math.Cos(angle));
            destination[i + 1] = (float)(mean + standardDeviation * radius * Math.Sin(angle));
        }
        if (i < destination.Length)
        {
            destination[i] = (float)(mean + standardDeviation * NextGaussian());
        }
    }

    /// <summary>
    /// Shuffles <paramref name="items"/> in place uniformly (Fisher–Yates): for i from Length − 1 down to 1,
    /// swap items[i] with items[<see cref="NextInt(int)"/>(i + 1)].
    /// </summary>
    public void Shuffle<T>(Span<T> items)
    {
        using var _ = Enter();
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>Shuffles an array in place; the same as <see cref="Shuffle{T}(Span{T})"/> over the whole array.</summary>
    public void Shuffle<T>(T[] items) => Shuffle(items.AsSpan());

    /// <summary>Returns 0, 1, …, <paramref name="count"/> − 1 in a random order (the identity, then <see cref="Shuffle{T}(Span{T})"/>).</summary>
    public int[] Permutation(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var permutation = new int[count];
        for (int i = 0; i < count; i++)
        {
            permutation[i] = i;
        }
        Shuffle(permutation.AsSpan());
        return permutation;
    }

    /// <summary>
    /// Returns a new, independent generator seeded (via SplitMix64, as in the constructor) with the next
    /// <see cref="NextUInt64"/> of this one. Deterministic: it advances this generator by one step.
    /// Use it to give a component (a data loader, a dropout layer, a worker thread) its own stream.
    /// </summary>
    public Generator Fork() => new(NextUInt64());

    /// <summary>Returns a copy of the complete state (<see cref="StateLength"/> words); save it in a checkpoint.</summary>
    public ulong[] GetState()
    {
        using var _ = Enter();
        return [_s0, _s1, _s2, _s3];
    }

    /// <summary>Restores a state returned by <see cref="GetState"/>; the generator then continues exactly as the saved one did.</summary>
    /// <exception cref="ArgumentException">The state does not have <see cref="StateLength"/> words, or is all zero (a fixed point of xoshiro).</exception>
    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != StateLength)
        {
            throw new ArgumentException($"A generator state has {StateLength} words, but {state.Length} were given.", nameof(state));
        }
        if ((state[0] | state[1] | state[2] | state[3]) == 0)
        {
            throw new ArgumentException("A generator state of all zeros is invalid: xoshiro256** would output only zeros.", nameof(state));
        }
        using var _ = Enter();
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
    }

    // Holds the default generator's lock for one call (the lock is re-entrant, so a call made inside another, such as
    // NextFloat inside FillUniform, just nests); a no-op for every other generator. Bulk fills elsewhere (Tensor.Uniform)
    // hold it around their loop so that one tensor's values are one contiguous run of the stream.
    internal SyncScope Enter() => new(_sync);

    internal readonly ref struct SyncScope
    {
        private readonly Lock? _lock;

        public SyncScope(Lock? sync)
        {
            _lock = sync;
            _lock?.Enter();
        }

        public void Dispose() => _lock?.Exit();
    }
}
