"""Domain events of campaigns. Campaigns never import the apps whose data a campaign changes
(dossiers, postal): those apps connect receivers to these signals and read the campaign as
plain data (`campaign`, a `policy.CampaignRule`).

- `campaign_started(campaign_id, campaign)`: the campaign came into force (sent after commit,
  again by the sweep if a crash left the effects unapplied: receivers must be idempotent).
- `campaign_ended(campaign_id, campaign)`: its window closed (same guarantees).
- `campaign_changed(campaign_id, campaign, changes)`: an active campaign was edited; receivers
  re-apply what is retroactive (the clock stop) and release what no longer holds.
- `campaign_preview(campaign, at)`: each receiver returns {section: {"count": n, "items": [..]}}
  describing what the campaign would do to its app's data (sent inside the preview request).
- `campaign_records(campaign, limit)`: each receiver returns {section: {"count": n, "items": [..]}}
  of what happened under the campaign in its app (the urgent exceptions granted in the window,
  seed 003's list), shown on the campaign's page.
"""

from django.dispatch import Signal

campaign_started = Signal()
campaign_ended = Signal()
campaign_changed = Signal()
campaign_preview = Signal()
campaign_records = Signal()
