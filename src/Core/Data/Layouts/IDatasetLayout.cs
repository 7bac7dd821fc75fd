namespace DistillService.Core.Data.Layouts;

/// <summary>Reads one on-disk dataset layout (folder, Cityscapes, PASCAL VOC, CamVid).</summary>
public interface IDatasetLayout
{
    /// <summary>The name used in registration requests and stored with the dataset.</summary>
    string Format { get; }

    /// <summary>Lists the splits' image/mask pairs; never throws for a malformed dataset, it reports problems.</summary>
    LayoutScan Scan(string root);
}
