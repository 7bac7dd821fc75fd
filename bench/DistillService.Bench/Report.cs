using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DistillService.Bench;

/// <summary>Results go to stdout as one JSON object per line, so a run can be piped into jq or kept as a log.</summary>
internal static class Report
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Notes hold "+", "→" and "'"; the lines are read by people and jq, never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Line(object record)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(record, record.GetType(), Options));
        Console.Out.Flush();
    }

    /// <summary>Progress notes go to stderr so stdout stays pure JSON lines.</summary>
    public static void Note(string text) => Console.Error.WriteLine($"[bench] {text}");

    public static double Round(double value, int digits = 2) => Math.Round(value, digits, MidpointRounding.AwayFromZero);
}
