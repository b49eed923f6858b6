using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JoinedUp.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class FhirWrites : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "allergy_intolerance",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    code_system = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    display = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    criticality = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    category = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    recorded_on = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    version_id = table.Column<int>(type: "INTEGER", nullable: false),
                    last_updated = table.Column<DateTime>(type: "TEXT", nullable: false),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: false),
                    recorded_by_service_id = table.Column<int>(type: "INTEGER", nullable: true),
                    confidential = table.Column<bool>(type: "INTEGER", nullable: false, defaultValue: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_allergy_intolerance", x => x.id);
                    table.ForeignKey(
                        name: "fk_allergy_intolerance_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_allergy_intolerance_service_recorded_by_service_id",
                        column: x => x.recorded_by_service_id,
                        principalTable: "service",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "import_checkpoint",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    file_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    file_name = table.Column<string>(type: "TEXT", maxLength: 260, nullable: false),
                    position = table.Column<long>(type: "INTEGER", nullable: false),
                    completed = table.Column<bool>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_import_checkpoint", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "procedure",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    encounter_id = table.Column<long>(type: "INTEGER", nullable: true),
                    code_system = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    display = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    performed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    version_id = table.Column<int>(type: "INTEGER", nullable: false),
                    last_updated = table.Column<DateTime>(type: "TEXT", nullable: false),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: false),
                    recorded_by_service_id = table.Column<int>(type: "INTEGER", nullable: true),
                    confidential = table.Column<bool>(type: "INTEGER", nullable: false, defaultValue: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_procedure", x => x.id);
                    table.ForeignKey(
                        name: "fk_procedure_encounter_encounter_id",
                        column: x => x.encounter_id,
                        principalTable: "encounter",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_procedure_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_procedure_service_recorded_by_service_id",
                        column: x => x.recorded_by_service_id,
                        principalTable: "service",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "resource_identifier",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    resource_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    system = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    value = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    resource_id = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_resource_identifier", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_allergy_intolerance_patient_id",
                table: "allergy_intolerance",
                column: "patient_id");

            migrationBuilder.CreateIndex(
                name: "ix_allergy_intolerance_recorded_by_service_id",
                table: "allergy_intolerance",
                column: "recorded_by_service_id");

            migrationBuilder.CreateIndex(
                name: "ix_import_checkpoint_file_hash",
                table: "import_checkpoint",
                column: "file_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_procedure_code_patient_id",
                table: "procedure",
                columns: new[] { "code", "patient_id" });

            migrationBuilder.CreateIndex(
                name: "ix_procedure_encounter_id",
                table: "procedure",
                column: "encounter_id");

            migrationBuilder.CreateIndex(
                name: "ix_procedure_patient_id",
                table: "procedure",
                column: "patient_id");

            migrationBuilder.CreateIndex(
                name: "ix_procedure_recorded_by_service_id",
                table: "procedure",
                column: "recorded_by_service_id");

            migrationBuilder.CreateIndex(
                name: "ix_resource_identifier_resource_type_resource_id",
                table: "resource_identifier",
                columns: new[] { "resource_type", "resource_id" });

            migrationBuilder.CreateIndex(
                name: "ix_resource_identifier_system_value_resource_type",
                table: "resource_identifier",
                columns: new[] { "system", "value", "resource_type" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "allergy_intolerance");

            migrationBuilder.DropTable(
                name: "import_checkpoint");

            migrationBuilder.DropTable(
                name: "procedure");

            migrationBuilder.DropTable(
                name: "resource_identifier");
        }
    }
}
