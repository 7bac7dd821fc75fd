namespace DistillService.Core.Training;

/// <summary>The loss stopped being a finite number; retrying the same run reproduces it, so it is permanent.</summary>
public sealed class TrainingDivergedException(int epoch, int step, double loss)
    : InvalidOperationException($"loss became {(double.IsNaN(loss) ? "NaN" : "infinite")} at epoch {epoch}, step {step}")
{
    public int Epoch { get; } = epoch;
    public int Step { get; } = step;
}
