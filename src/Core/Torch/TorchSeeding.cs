using static TorchSharp.torch;

namespace DistillService.Core.Torch;

/// <summary>
/// Guards torch's process-wide default generator. Module constructors draw their initial weights from
/// it, so two jobs initialising models at once on different threads would interleave their draws;
/// seeding and building under one lock keeps each run's initial weights a function of its seed.
/// </summary>
public static class TorchSeeding
{
    private static readonly Lock Gate = new();

    public static T CreateSeeded<T>(long seed, Func<T> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        lock (Gate)
        {
            manual_seed(seed);
            return factory();
        }
    }

    /// <summary>Runs <paramref name="factory"/> (which may draw from the default generator) and puts the generator back.</summary>
    public static T PreservingRngState<T>(Func<T> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        lock (Gate)
        {
            using var state = random.get_rng_state();
            try
            {
                return factory();
            }
            finally
            {
                random.set_rng_state(state);
            }
        }
    }

    /// <summary>The default CPU generator's state as bytes (for checkpoints).</summary>
    public static byte[] GetRngState()
    {
        lock (Gate)
        {
            using var state = random.get_rng_state();
            return state.data<byte>().ToArray();
        }
    }

    public static void SetRngState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (Gate)
        {
            using var tensorState = tensor(state, dtype: ScalarType.Byte);
            random.set_rng_state(tensorState);
        }
    }
}
