namespace DistillService.Core.Data.Layouts;

/// <summary>
/// The official Cityscapes label table (cityscapesScripts <c>helpers/labels.py</c>): the 19 evaluation
/// classes with their train ids and colours, and labelId → trainId for all 34 label ids (the rest → 255).
/// </summary>
public static class CityscapesLabels
{
    public static IReadOnlyList<SegmentationClass> TrainClasses { get; } =
    [
        new(0, "road", 128, 64, 128),
        new(1, "sidewalk", 244, 35, 232),
        new(2, "building", 70, 70, 70),
        new(3, "wall", 102, 102, 156),
        new(4, "fence", 190, 153, 153),
        new(5, "pole", 153, 153, 153),
        new(6, "traffic light", 250, 170, 30),
        new(7, "traffic sign", 220, 220, 0),
        new(8, "vegetation", 107, 142, 35),
        new(9, "terrain", 152, 251, 152),
        new(10, "sky", 70, 130, 180),
        new(11, "person", 220, 20, 60),
        new(12, "rider", 255, 0, 0),
        new(13, "car", 0, 0, 142),
        new(14, "truck", 0, 0, 70),
        new(15, "bus", 0, 60, 100),
        new(16, "train", 0, 80, 100),
        new(17, "motorcycle", 0, 0, 230),
        new(18, "bicycle", 119, 11, 32),
    ];

    /// <summary>labelId → trainId for labelIds 0…33 (unlabeled, ego vehicle, …, bicycle).</summary>
    public static IReadOnlyList<byte> TrainIdOfLabelId { get; } =
    [
        255, 255, 255, 255, 255, 255, 255, // 0 unlabeled, 1 ego vehicle, 2 rectification border, 3 out of roi, 4 static, 5 dynamic, 6 ground
        0, 1, // 7 road, 8 sidewalk
        255, 255, // 9 parking, 10 rail track
        2, 3, 4, // 11 building, 12 wall, 13 fence
        255, 255, 255, // 14 guard rail, 15 bridge, 16 tunnel
        5, // 17 pole
        255, // 18 polegroup
        6, 7, 8, 9, 10, 11, 12, 13, 14, 15, // 19 traffic light … 28 bus
        255, 255, // 29 caravan, 30 trailer
        16, 17, 18, // 31 train, 32 motorcycle, 33 bicycle
    ];

    public static LabelMap Map { get; } = LabelMap.FromPairs(TrainIdOfLabelId.Select((trainId, labelId) => (labelId, (int)trainId)));
}
