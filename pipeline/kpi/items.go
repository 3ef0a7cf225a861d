package kpi

// ItemByCode returns the by_item row of an item (false when the item is not in r).
func (r *Result) ItemByCode(code string) (ItemRow, bool) {
	for _, it := range r.ByItem {
		if it.ItemCode == code {
			return it, true
		}
	}
	return ItemRow{}, false
}
