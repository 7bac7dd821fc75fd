using static TorchSharp.torch;

namespace DistillService.Core.Losses;

/// <summary>The argument checks the dense distillation losses share, with messages that show the shapes.</summary>
internal static class DenseMapChecks
{
    public static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

    /// <summary>Student logits [N, K, H, W], a teacher map of exactly that shape, labels [N, H, W], T &gt; 0.</summary>
    public static void StudentTeacherLabels(Tensor student, Tensor teacher, string teacherName, Tensor labels, double temperature)
    {
        if (student.dim() != 4) throw new ArgumentException($"Student logits must be [N, K, H, W]; got {Shape(student)}.", nameof(student));
        if (!teacher.shape.SequenceEqual(student.shape))
        {
            throw new ArgumentException($"Teacher {teacherName} must have the student's shape {Shape(student)}; got {Shape(teacher)}.", nameof(teacher));
        }
        if (labels.dim() != 3 || labels.shape[0] != student.shape[0] || labels.shape[1] != student.shape[2] || labels.shape[2] != student.shape[3])
        {
            throw new ArgumentException(
                $"Labels must be [N, H, W] = [{student.shape[0]}, {student.shape[2]}, {student.shape[3]}]; got {Shape(labels)}.", nameof(labels));
        }
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), "Temperature must be positive.");
    }
}
