using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DistillService.Core.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Distillation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "PipelineId",
                table: "jobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PipelineRole",
                table: "jobs",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ResultJson",
                table: "jobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "UpstreamJobId",
                table: "jobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "CeLoss",
                table: "epoch_metrics",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "KdLoss",
                table: "epoch_metrics",
                type: "REAL",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "pipelines",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    DatasetId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    SpecJson = table.Column<string>(type: "TEXT", nullable: false),
                    ReportJson = table.Column<string>(type: "TEXT", nullable: true),
                    Error = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    FinishedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_pipelines", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_jobs_PipelineId",
                table: "jobs",
                column: "PipelineId");

            migrationBuilder.CreateIndex(
                name: "IX_pipelines_CreatedAt",
                table: "pipelines",
                column: "CreatedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "pipelines");

            migrationBuilder.DropIndex(
                name: "IX_jobs_PipelineId",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "PipelineId",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "PipelineRole",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "ResultJson",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "UpstreamJobId",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "CeLoss",
                table: "epoch_metrics");

            migrationBuilder.DropColumn(
                name: "KdLoss",
                table: "epoch_metrics");
        }
    }
}
