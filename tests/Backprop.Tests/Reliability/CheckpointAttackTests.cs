using Backprop.NN;
using Backprop.Serialization;
using Backprop.Tests.Data;

namespace Backprop.Tests.Reliability;

/// <summary>Checkpoints damaged or crafted the ways a corrupt disk or a hostile file would: each is a clear error, found before anything large is allocated.</summary>
public class CheckpointAttackTests
{
    private static string SaveSmall(ScratchDirectory dir, string spec = "mlp:4+bn")
    {
        string path = dir.File("model.safetensors");
        var model = ModelSpec.Parse(spec).Build([3], 2, new Generator(1));
        Checkpoint.Save(path, model, new CheckpointMetadata
        {
            ModelSpec = spec,
            InputShape = [3],
            NumClasses = 2,
            TrainingConfigJson = """{"batch_size": 8, "epochs": 2, "lr": 0.1}""",
        });
        return path;
    }

    /// <summary>
    /// Rewrites the file with changed metadata (and optionally changed entries), keeping everything else. The checksum
    /// is dropped, as a hostile file would (or the change would be reported as corruption first).
    /// </summary>
    private static void Rewrite(string path, Action<Dictionary<string, string>> changeMetadata, Func<SafeTensorsEntry, SafeTensorsEntry>? changeEntry = null)
    {
        var file = SafeTensorsFile.Read(path);
        var metadata = new Dictionary<string, string>(file.Metadata);
        metadata.Remove(Checkpoint.ChecksumKey);
        changeMetadata(metadata);
        var entries = file.Entries.Select(e => changeEntry?.Invoke(e) ?? e).ToList();
        File.WriteAllBytes(path, SafeTensorsFile.Serialize(entries, metadata));
    }

    [Fact]
    public void An_int64_buffer_value_beyond_int32_is_a_format_error()
    {
        using var dir = new ScratchDirectory();
        string path = SaveSmall(dir);
        Rewrite(path, m => m.Remove(Checkpoint.ChecksumKey),
            e => e.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal) ? SafeTensorsEntry.FromInt64s(e.Name, e.Shape, [1L << 40]) : e);
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains("outside the int32 range", error.Message);
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("""{"batch_size": 0}""", "batch_size is 0, not a positive integer")]
    [InlineData("""{"epochs": -3}""", "epochs is -3")]
    [InlineData("""{"lr": "fast"}""", "lr is \"fast\"")]
    public void A_bad_training_config_is_a_format_error(string config, string expected)
    {
        using var dir = new ScratchDirectory();
        string path = SaveSmall(dir);
        Rewrite(path, m => m["training_config"] = config);
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_too_deep_training_config_is_a_format_error()
    {
        using var dir = new ScratchDirectory();
        string path = SaveSmall(dir);
        Rewrite(path, m => m["training_config"] = "{\"a\":" + new string('[', 500) + new string(']', 500) + "}");
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains("depth at most", error.Message);
    }

    [Fact]
    public void A_model_spec_far_larger_than_the_file_is_refused_before_building()
    {
        using var dir = new ScratchDirectory();
        string path = SaveSmall(dir);
        Rewrite(path, m => m["model_spec"] = "mlp:30000,30000");
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("weight values", error.Message);
        Assert.True(allocated < 10_000_000, $"allocated {allocated} bytes before refusing");
    }

    [Theory]
    [InlineData("0", "num_classes 0 is not positive")]
    [InlineData("-5", "num_classes -5 is not positive")]
    public void Non_positive_class_counts_are_format_errors(string classes, string expected)
    {
        using var dir = new ScratchDirectory();
        string path = SaveSmall(dir);
        Rewrite(path, m => m["num_classes"] = classes);
        Assert.Contains(expected, Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path)).Message);
    }

    [Fact]
    public void A_non_positive_input_dimension_is_a_format_error()
    {
        using var dir = new ScratchDirectory();
        string path = SaveSmall(dir);
        Rewrite(path, m => m["input_shape"] = "[0]");
        Assert.Contains("positive integers", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path)).Message);
    }

    [Fact]
    public void A_device_is_not_read_as_a_checkpoint()
    {
        if (!File.Exists("/dev/zero")) return; // a Unix device is what this is about
        var error = Assert.Throws<SafeTensorsFormatException>(() => Checkpoint.Load("/dev/zero"));
        Assert.Contains("not a regular file", error.Message);
    }

    [Fact]
    public void Every_bit_flip_in_the_tensor_data_is_reported_as_corruption()
    {
        using var dir = new ScratchDirectory();
        string path = SaveSmall(dir);
        byte[] original = File.ReadAllBytes(path);
        int dataStart = 8 + (int)BitConverter.ToUInt64(original, 0);
        var random = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            byte[] flipped = (byte[])original.Clone();
            flipped[random.Next(dataStart, flipped.Length)] ^= (byte)(1 << random.Next(8));
            File.WriteAllBytes(path, flipped);
            var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
            Assert.Contains("checkpoint corrupted", error.Message);
        }
    }

    [Fact]
    public void A_file_without_a_checksum_still_loads()
    {
        using var dir = new ScratchDirectory();
        string path = SaveSmall(dir);
        Rewrite(path, m => m.Remove(Checkpoint.ChecksumKey));
        Assert.Equal(2, Checkpoint.Load(path).Metadata.NumClasses);
    }

    [Fact]
    public void Every_bit_flip_in_the_metadata_values_is_reported_as_corruption()
    {
        using var dir = new ScratchDirectory();
        string path = SaveSmall(dir);
        var file = SafeTensorsFile.Read(path);
        var random = new Random(8);
        foreach (string key in new[] { "epoch", "training_config", "num_classes", "model_spec" })
        {
            var metadata = new Dictionary<string, string>(file.Metadata);
            char[] value = metadata[key].ToCharArray();
            int at = random.Next(value.Length);
            value[at] = value[at] == '1' ? '3' : '1'; // e.g. an epoch or a learning rate that silently changed
            metadata[key] = new string(value);
            File.WriteAllBytes(path, SafeTensorsFile.Serialize(file.Entries, metadata));
            Assert.Contains("checkpoint corrupted", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path)).Message);
        }
    }

    [Theory]
    [InlineData("linear", new[] { 5 }, 3)]
    [InlineData("mlp:7,4", new[] { 2, 3 }, 4)]
    [InlineData("mlp:6+bn+dropout:0.1", new[] { 5 }, 2)]
    [InlineData("cnn", new[] { 1, 8, 8 }, 10)]
    [InlineData("cnn+bn", new[] { 2, 9, 12 }, 3)]
    public void State_size_counts_what_build_makes(string spec, int[] shape, int classes)
    {
        var parsed = ModelSpec.Parse(spec);
        long built = parsed.Build(shape, classes, new Generator(0)).StateDict().Sum(pair => (long)pair.Value.Numel);
        Assert.Equal(built, parsed.StateSize(shape, classes));
    }

    [Fact]
    public void State_size_saturates_instead_of_overflowing()
    {
        Assert.Equal(long.MaxValue, ModelSpec.Parse("mlp:2000000000,2000000000,2000000000").StateSize([2_000_000_000], 2_000_000_000));
    }
}
