using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace JoinedUp.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Outcomes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "calendar_day",
                columns: table => new
                {
                    day_number = table.Column<int>(type: "integer", nullable: false),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    utc_start = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    utc_end = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    utc_offset_minutes = table.Column<int>(type: "integer", nullable: false),
                    is_working_day = table.Column<int>(type: "integer", nullable: false),
                    working_seq = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_calendar_day", x => x.day_number);
                });

            migrationBuilder.CreateTable(
                name: "measure_definition",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    measure_key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    version = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    title = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    json = table.Column<string>(type: "text", nullable: false),
                    first_loaded_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_measure_definition", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "measure_run",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    quarter = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    quarter_start = table.Column<DateOnly>(type: "date", nullable: false),
                    quarter_end = table.Column<DateOnly>(type: "date", nullable: false),
                    purpose = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    definitions_sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    code_version = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    provider = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    started_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    duration_ms = table.Column<long>(type: "bigint", nullable: false),
                    requested_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_measure_run", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "value_set_code",
                columns: table => new
                {
                    value_set = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    system = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_value_set_code", x => new { x.value_set, x.code, x.system });
                });

            migrationBuilder.CreateTable(
                name: "measure_result",
                columns: table => new
                {
                    run_id = table.Column<long>(type: "bigint", nullable: false),
                    measure_definition_id = table.Column<long>(type: "bigint", nullable: false),
                    level = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    unit_key = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    measure_key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    period_start = table.Column<DateOnly>(type: "date", nullable: false),
                    period_end = table.Column<DateOnly>(type: "date", nullable: false),
                    initial_population = table.Column<long>(type: "bigint", nullable: false),
                    denominator = table.Column<long>(type: "bigint", nullable: false),
                    excluded = table.Column<long>(type: "bigint", nullable: false),
                    excepted = table.Column<long>(type: "bigint", nullable: false),
                    numerator = table.Column<long>(type: "bigint", nullable: false),
                    rate = table.Column<decimal>(type: "numeric(18,6)", precision: 18, scale: 6, nullable: true),
                    ci_low = table.Column<double>(type: "double precision", nullable: true),
                    ci_high = table.Column<double>(type: "double precision", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_measure_result", x => new { x.run_id, x.measure_definition_id, x.level, x.unit_key });
                    table.ForeignKey(
                        name: "fk_measure_result_measure_definition_measure_definition_id",
                        column: x => x.measure_definition_id,
                        principalTable: "measure_definition",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_measure_result_measure_run_run_id",
                        column: x => x.run_id,
                        principalTable: "measure_run",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_calendar_day_utc_start",
                table: "calendar_day",
                column: "utc_start",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_calendar_day_working_seq_is_working_day",
                table: "calendar_day",
                columns: new[] { "working_seq", "is_working_day" });

            migrationBuilder.CreateIndex(
                name: "ix_measure_definition_measure_key",
                table: "measure_definition",
                column: "measure_key");

            migrationBuilder.CreateIndex(
                name: "ix_measure_definition_sha256",
                table: "measure_definition",
                column: "sha256",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_measure_result_measure_definition_id",
                table: "measure_result",
                column: "measure_definition_id");

            migrationBuilder.CreateIndex(
                name: "ix_measure_result_measure_key_level_unit_key",
                table: "measure_result",
                columns: new[] { "measure_key", "level", "unit_key" });

            migrationBuilder.CreateIndex(
                name: "ix_measure_run_quarter_end_purpose_id",
                table: "measure_run",
                columns: new[] { "quarter_end", "purpose", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "calendar_day");

            migrationBuilder.DropTable(
                name: "measure_result");

            migrationBuilder.DropTable(
                name: "value_set_code");

            migrationBuilder.DropTable(
                name: "measure_definition");

            migrationBuilder.DropTable(
                name: "measure_run");
        }
    }
}
