namespace DistillService.Experiments;

/// <summary>Mean and seed-to-seed spread of one metric over repeated runs.</summary>
internal sealed record Spread(double Mean, double Std, double Min, double Max)
{
    /// <summary>Max − min: the spread a difference of means has to beat to count.</summary>
    public double Range => Max - Min;

    public static Spread Of(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        // Sample standard deviation (n − 1); 0 for a single run.
        var std = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : 0;
        return new Spread(mean, std, values.Min(), values.Max());
    }
}
