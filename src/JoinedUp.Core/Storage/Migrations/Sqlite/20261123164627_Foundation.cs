using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JoinedUp.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Foundation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "network",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    code = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_network", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "organisation",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ods_code = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    kind = table.Column<int>(type: "INTEGER", nullable: false),
                    network_id = table.Column<int>(type: "INTEGER", nullable: true),
                    postcode = table.Column<string>(type: "TEXT", maxLength: 10, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_organisation", x => x.id);
                    table.ForeignKey(
                        name: "fk_organisation_network_network_id",
                        column: x => x.network_id,
                        principalTable: "network",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "patient",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    nhs_number = table.Column<string>(type: "TEXT", maxLength: 10, nullable: true),
                    local_identifier = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    given_name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    family_name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    birth_date = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    sex = table.Column<int>(type: "INTEGER", nullable: false),
                    postcode = table.Column<string>(type: "TEXT", maxLength: 10, nullable: true),
                    registered_practice_id = table.Column<int>(type: "INTEGER", nullable: true),
                    preferred_language = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    interpreter_needed = table.Column<bool>(type: "INTEGER", nullable: false),
                    version_id = table.Column<int>(type: "INTEGER", nullable: false),
                    last_updated = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_patient", x => x.id);
                    table.ForeignKey(
                        name: "fk_patient_organisation_registered_practice_id",
                        column: x => x.registered_practice_id,
                        principalTable: "organisation",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "service",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    line = table.Column<int>(type: "INTEGER", nullable: false),
                    provider_organisation_id = table.Column<int>(type: "INTEGER", nullable: false),
                    min_age_years = table.Column<int>(type: "INTEGER", nullable: true),
                    max_age_years = table.Column<int>(type: "INTEGER", nullable: true),
                    eligible_condition_codes = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    borough_residents_only = table.Column<bool>(type: "INTEGER", nullable: false),
                    availability = table.Column<int>(type: "INTEGER", nullable: false),
                    open_days = table.Column<int>(type: "INTEGER", nullable: false),
                    opens_at = table.Column<TimeOnly>(type: "TEXT", nullable: false),
                    closes_at = table.Column<TimeOnly>(type: "TEXT", nullable: false),
                    weekly_capacity = table.Column<int>(type: "INTEGER", nullable: false),
                    is_sensitive = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_service", x => x.id);
                    table.ForeignKey(
                        name: "fk_service_organisation_provider_organisation_id",
                        column: x => x.provider_organisation_id,
                        principalTable: "organisation",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "staff_member",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    staff_code = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    given_name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    family_name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    role = table.Column<int>(type: "INTEGER", nullable: false),
                    profession = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    organisation_id = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_staff_member", x => x.id);
                    table.ForeignKey(
                        name: "fk_staff_member_organisation_organisation_id",
                        column: x => x.organisation_id,
                        principalTable: "organisation",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "carer",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    relationship = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    phone = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    carer_patient_id = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_carer", x => x.id);
                    table.ForeignKey(
                        name: "fk_carer_patient_carer_patient_id",
                        column: x => x.carer_patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_carer_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "condition",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: false),
                    code_system = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    display = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    onset_date = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    recorded_by_organisation_id = table.Column<int>(type: "INTEGER", nullable: true),
                    version_id = table.Column<int>(type: "INTEGER", nullable: false),
                    last_updated = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_condition", x => x.id);
                    table.ForeignKey(
                        name: "fk_condition_organisation_recorded_by_organisation_id",
                        column: x => x.recorded_by_organisation_id,
                        principalTable: "organisation",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_condition_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "immunisation",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: false),
                    code_system = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    vaccine_code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    display = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    occurred_on = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    dose_number = table.Column<int>(type: "INTEGER", nullable: true),
                    organisation_id = table.Column<int>(type: "INTEGER", nullable: true),
                    version_id = table.Column<int>(type: "INTEGER", nullable: false),
                    last_updated = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_immunisation", x => x.id);
                    table.ForeignKey(
                        name: "fk_immunisation_organisation_organisation_id",
                        column: x => x.organisation_id,
                        principalTable: "organisation",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_immunisation_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "medication_statement",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: false),
                    code_system = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    display = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    started_on = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    ended_on = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    dosage = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    version_id = table.Column<int>(type: "INTEGER", nullable: false),
                    last_updated = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_medication_statement", x => x.id);
                    table.ForeignKey(
                        name: "fk_medication_statement_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "encounter",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: false),
                    organisation_id = table.Column<int>(type: "INTEGER", nullable: true),
                    service_id = table.Column<int>(type: "INTEGER", nullable: true),
                    @class = table.Column<int>(name: "class", type: "INTEGER", nullable: false),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    type_code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    start_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    end_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    version_id = table.Column<int>(type: "INTEGER", nullable: false),
                    last_updated = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_encounter", x => x.id);
                    table.ForeignKey(
                        name: "fk_encounter_organisation_organisation_id",
                        column: x => x.organisation_id,
                        principalTable: "organisation",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_encounter_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_encounter_service_service_id",
                        column: x => x.service_id,
                        principalTable: "service",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "team",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    service_id = table.Column<int>(type: "INTEGER", nullable: false),
                    organisation_id = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_team", x => x.id);
                    table.ForeignKey(
                        name: "fk_team_organisation_organisation_id",
                        column: x => x.organisation_id,
                        principalTable: "organisation",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_team_service_service_id",
                        column: x => x.service_id,
                        principalTable: "service",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "observation",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: false),
                    encounter_id = table.Column<long>(type: "INTEGER", nullable: true),
                    code_system = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    display = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    effective_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    value = table.Column<double>(type: "REAL", nullable: true),
                    secondary_value = table.Column<double>(type: "REAL", nullable: true),
                    unit = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    version_id = table.Column<int>(type: "INTEGER", nullable: false),
                    last_updated = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_observation", x => x.id);
                    table.ForeignKey(
                        name: "fk_observation_encounter_encounter_id",
                        column: x => x.encounter_id,
                        principalTable: "encounter",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_observation_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "team_membership",
                columns: table => new
                {
                    team_id = table.Column<int>(type: "INTEGER", nullable: false),
                    staff_member_id = table.Column<int>(type: "INTEGER", nullable: false),
                    is_lead = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_team_membership", x => new { x.team_id, x.staff_member_id });
                    table.ForeignKey(
                        name: "fk_team_membership_staff_member_staff_member_id",
                        column: x => x.staff_member_id,
                        principalTable: "staff_member",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_team_membership_team_team_id",
                        column: x => x.team_id,
                        principalTable: "team",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_carer_carer_patient_id",
                table: "carer",
                column: "carer_patient_id");

            migrationBuilder.CreateIndex(
                name: "ix_carer_patient_id",
                table: "carer",
                column: "patient_id");

            migrationBuilder.CreateIndex(
                name: "ix_condition_code_patient_id",
                table: "condition",
                columns: new[] { "code", "patient_id" });

            migrationBuilder.CreateIndex(
                name: "ix_condition_patient_id",
                table: "condition",
                column: "patient_id");

            migrationBuilder.CreateIndex(
                name: "ix_condition_recorded_by_organisation_id",
                table: "condition",
                column: "recorded_by_organisation_id");

            migrationBuilder.CreateIndex(
                name: "ix_encounter_organisation_id",
                table: "encounter",
                column: "organisation_id");

            migrationBuilder.CreateIndex(
                name: "ix_encounter_patient_id",
                table: "encounter",
                column: "patient_id");

            migrationBuilder.CreateIndex(
                name: "ix_encounter_service_id",
                table: "encounter",
                column: "service_id");

            migrationBuilder.CreateIndex(
                name: "ix_immunisation_organisation_id",
                table: "immunisation",
                column: "organisation_id");

            migrationBuilder.CreateIndex(
                name: "ix_immunisation_patient_id",
                table: "immunisation",
                column: "patient_id");

            migrationBuilder.CreateIndex(
                name: "ix_immunisation_vaccine_code_patient_id",
                table: "immunisation",
                columns: new[] { "vaccine_code", "patient_id" });

            migrationBuilder.CreateIndex(
                name: "ix_medication_statement_patient_id",
                table: "medication_statement",
                column: "patient_id");

            migrationBuilder.CreateIndex(
                name: "ix_network_code",
                table: "network",
                column: "code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_observation_code_effective_at",
                table: "observation",
                columns: new[] { "code", "effective_at" });

            migrationBuilder.CreateIndex(
                name: "ix_observation_encounter_id",
                table: "observation",
                column: "encounter_id");

            migrationBuilder.CreateIndex(
                name: "ix_observation_patient_id",
                table: "observation",
                column: "patient_id");

            migrationBuilder.CreateIndex(
                name: "ix_organisation_network_id",
                table: "organisation",
                column: "network_id");

            migrationBuilder.CreateIndex(
                name: "ix_organisation_ods_code",
                table: "organisation",
                column: "ods_code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_patient_family_name_given_name",
                table: "patient",
                columns: new[] { "family_name", "given_name" });

            migrationBuilder.CreateIndex(
                name: "ix_patient_local_identifier",
                table: "patient",
                column: "local_identifier",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_patient_nhs_number",
                table: "patient",
                column: "nhs_number",
                unique: true,
                filter: "nhs_number IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_patient_registered_practice_id",
                table: "patient",
                column: "registered_practice_id");

            migrationBuilder.CreateIndex(
                name: "ix_service_code",
                table: "service",
                column: "code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_service_provider_organisation_id",
                table: "service",
                column: "provider_organisation_id");

            migrationBuilder.CreateIndex(
                name: "ix_staff_member_email",
                table: "staff_member",
                column: "email",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_staff_member_organisation_id",
                table: "staff_member",
                column: "organisation_id");

            migrationBuilder.CreateIndex(
                name: "ix_staff_member_staff_code",
                table: "staff_member",
                column: "staff_code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_team_code",
                table: "team",
                column: "code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_team_organisation_id",
                table: "team",
                column: "organisation_id");

            migrationBuilder.CreateIndex(
                name: "ix_team_service_id",
                table: "team",
                column: "service_id");

            migrationBuilder.CreateIndex(
                name: "ix_team_membership_staff_member_id",
                table: "team_membership",
                column: "staff_member_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "carer");

            migrationBuilder.DropTable(
                name: "condition");

            migrationBuilder.DropTable(
                name: "immunisation");

            migrationBuilder.DropTable(
                name: "medication_statement");

            migrationBuilder.DropTable(
                name: "observation");

            migrationBuilder.DropTable(
                name: "team_membership");

            migrationBuilder.DropTable(
                name: "encounter");

            migrationBuilder.DropTable(
                name: "staff_member");

            migrationBuilder.DropTable(
                name: "team");

            migrationBuilder.DropTable(
                name: "patient");

            migrationBuilder.DropTable(
                name: "service");

            migrationBuilder.DropTable(
                name: "organisation");

            migrationBuilder.DropTable(
                name: "network");
        }
    }
}
