using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JoinedUp.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SinglePointOfAccess : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "episode",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: false),
                    opened_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    closed_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_episode", x => x.id);
                    table.ForeignKey(
                        name: "fk_episode_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "triage_rule_version",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false),
                    json = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_by_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    created_by_user_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    note = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_triage_rule_version", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "assessment",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    episode_id = table.Column<long>(type: "INTEGER", nullable: false),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: false),
                    scope = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    questionnaire = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    response_json = table.Column<string>(type: "TEXT", nullable: false),
                    authored_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    author_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    author_user_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    version_id = table.Column<int>(type: "INTEGER", nullable: false),
                    last_updated = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_assessment", x => x.id);
                    table.ForeignKey(
                        name: "fk_assessment_episode_episode_id",
                        column: x => x.episode_id,
                        principalTable: "episode",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "referral",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    reference = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    patient_id = table.Column<long>(type: "INTEGER", nullable: true),
                    episode_id = table.Column<long>(type: "INTEGER", nullable: true),
                    source = table.Column<int>(type: "INTEGER", nullable: false),
                    given_name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    family_name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    birth_date = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    nhs_number = table.Column<string>(type: "TEXT", maxLength: 10, nullable: true),
                    postcode = table.Column<string>(type: "TEXT", maxLength: 10, nullable: true),
                    phone = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: true),
                    reason = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    reason_code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    requested_service_id = table.Column<int>(type: "INTEGER", nullable: true),
                    requested_urgency = table.Column<int>(type: "INTEGER", nullable: true),
                    urgency = table.Column<int>(type: "INTEGER", nullable: false),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    interpreter_needed = table.Column<bool>(type: "INTEGER", nullable: false),
                    language = table.Column<string>(type: "TEXT", maxLength: 8, nullable: true),
                    advocacy_requested = table.Column<bool>(type: "INTEGER", nullable: false),
                    received_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    triaged_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    first_contact_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    linked_referral_id = table.Column<long>(type: "INTEGER", nullable: true),
                    open_key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    referrer_user_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    referrer_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    referrer_organisation_code = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    referrer_client_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    referrer_contact = table.Column<string>(type: "TEXT", maxLength: 254, nullable: true),
                    idempotency_key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    idempotency_owner = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    request_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    triaged_by_user_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    triaged_by_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    override_reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    triage_note = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    triage_rule_version = table.Column<int>(type: "INTEGER", nullable: true),
                    decline_reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    version_id = table.Column<int>(type: "INTEGER", nullable: false),
                    last_updated = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_referral", x => x.id);
                    table.ForeignKey(
                        name: "fk_referral_episode_episode_id",
                        column: x => x.episode_id,
                        principalTable: "episode",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_referral_patient_patient_id",
                        column: x => x.patient_id,
                        principalTable: "patient",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_referral_referral_linked_referral_id",
                        column: x => x.linked_referral_id,
                        principalTable: "referral",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_referral_service_requested_service_id",
                        column: x => x.requested_service_id,
                        principalTable: "service",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "referral_attachment",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    referral_id = table.Column<long>(type: "INTEGER", nullable: false),
                    file_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    content_type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    content = table.Column<byte[]>(type: "BLOB", nullable: false),
                    added_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_referral_attachment", x => x.id);
                    table.ForeignKey(
                        name: "fk_referral_attachment_referral_referral_id",
                        column: x => x.referral_id,
                        principalTable: "referral",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "referral_route",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    referral_id = table.Column<long>(type: "INTEGER", nullable: false),
                    service_id = table.Column<int>(type: "INTEGER", nullable: false),
                    team_id = table.Column<int>(type: "INTEGER", nullable: false),
                    urgency = table.Column<int>(type: "INTEGER", nullable: false),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    is_booking = table.Column<bool>(type: "INTEGER", nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    expected_wait_days = table.Column<int>(type: "INTEGER", nullable: true),
                    routed_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    accepted_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    accepted_by_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    first_contact_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    decline_reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    version_id = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_referral_route", x => x.id);
                    table.ForeignKey(
                        name: "fk_referral_route_referral_referral_id",
                        column: x => x.referral_id,
                        principalTable: "referral",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_referral_route_service_service_id",
                        column: x => x.service_id,
                        principalTable: "service",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_referral_route_team_team_id",
                        column: x => x.team_id,
                        principalTable: "team",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_assessment_episode_id_scope",
                table: "assessment",
                columns: new[] { "episode_id", "scope" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_assessment_patient_id",
                table: "assessment",
                column: "patient_id");

            migrationBuilder.CreateIndex(
                name: "ix_episode_patient_id_closed_at",
                table: "episode",
                columns: new[] { "patient_id", "closed_at" });

            migrationBuilder.CreateIndex(
                name: "ix_referral_episode_id",
                table: "referral",
                column: "episode_id");

            migrationBuilder.CreateIndex(
                name: "ix_referral_idempotency_owner_idempotency_key",
                table: "referral",
                columns: new[] { "idempotency_owner", "idempotency_key" },
                unique: true,
                filter: "idempotency_key IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_referral_linked_referral_id",
                table: "referral",
                column: "linked_referral_id");

            migrationBuilder.CreateIndex(
                name: "ix_referral_open_key",
                table: "referral",
                column: "open_key",
                unique: true,
                filter: "open_key IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_referral_patient_id_status",
                table: "referral",
                columns: new[] { "patient_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_referral_reference",
                table: "referral",
                column: "reference",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_referral_referrer_user_id_received_at",
                table: "referral",
                columns: new[] { "referrer_user_id", "received_at" });

            migrationBuilder.CreateIndex(
                name: "ix_referral_requested_service_id",
                table: "referral",
                column: "requested_service_id");

            migrationBuilder.CreateIndex(
                name: "ix_referral_status_received_at",
                table: "referral",
                columns: new[] { "status", "received_at" });

            migrationBuilder.CreateIndex(
                name: "ix_referral_attachment_referral_id",
                table: "referral_attachment",
                column: "referral_id");

            migrationBuilder.CreateIndex(
                name: "ix_referral_route_referral_id_service_id",
                table: "referral_route",
                columns: new[] { "referral_id", "service_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_referral_route_service_id_status",
                table: "referral_route",
                columns: new[] { "service_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_referral_route_team_id_status",
                table: "referral_route",
                columns: new[] { "team_id", "status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "assessment");

            migrationBuilder.DropTable(
                name: "referral_attachment");

            migrationBuilder.DropTable(
                name: "referral_route");

            migrationBuilder.DropTable(
                name: "triage_rule_version");

            migrationBuilder.DropTable(
                name: "referral");

            migrationBuilder.DropTable(
                name: "episode");
        }
    }
}
